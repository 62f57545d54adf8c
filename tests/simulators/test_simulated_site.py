"""``tracker serve --simulate``'s office, built by the bootstrap function the demo uses
(:func:`tracker.bootstrap.simulate_site`): every reader, camera and printer of the site
simulated, the real gateway reading them into the service, the control socket up."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from pydantic import SecretStr

from api.security import Argon2Hasher
from api.settings import ApiSettings
from tracker import simulate
from tracker.bootstrap import build
from tracker.config import SiteConfig
from tracker.domain.model import CarrierState

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site.toml"


def tracker_environment() -> dict[str, str]:
    """The project's settings in the environment (OpenCV's loader sets LD_LIBRARY_PATH
    when it is first imported; that is not ours)."""
    return {k: v for k, v in os.environ.items() if k.startswith("TRACKER_")}


def test_serve_simulate_runs_the_whole_office_into_the_service(tmp_path: Path) -> None:
    app = build(
        url=f"sqlite:///{tmp_path / 'office.db'}",
        site_file=EXAMPLE,
        key_file=tmp_path / "ledger.key",
    )
    settings = ApiSettings(
        secret_key=SecretStr(secrets.token_hex(32)),
        argon2_time_cost=1,
        argon2_memory_kib=8 * 1024,
        argon2_parallelism=1,
    )
    environment = tracker_environment()
    sim = simulate.start(app.services, app.site, tmp_path, Argon2Hasher.from_settings(settings))
    try:
        site = app.services.site
        assert isinstance(site, SiteConfig)
        assert all(r.url.startswith(str(tmp_path / "by-id")) for r in site.readers)
        assert [(p.id, p.url) for p in site.printers] == [("desk", sim.printer.url)]
        assert set(sim.cameras) == {c.id for c in app.site.cameras}  # safes' and the exit's
        assert set(sim.credentials) == {pid for pid, *_ in simulate.CAST}
        assert (tmp_path / "sim.sock").exists() and len(sim.samples) == 4

        def all_in_safes() -> bool:
            with app.services.read() as uow:
                carriers = [uow.carriers.get(s) for s in sim.samples]
            return all(c is not None and c.state is CarrierState.IN_SAFE for c in carriers)

        deadline = time.monotonic() + 20
        while not all_in_safes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all_in_safes()  # the safes' simulated readers, read by the real gateway
    finally:
        sim.stop()
        app.engine.dispose()
    assert tracker_environment() == environment
