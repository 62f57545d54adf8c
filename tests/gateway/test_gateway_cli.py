"""``tracker gateway`` against simulated readers, straight into the database."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from simulators.office import SimulatedOffice
from tests.cli.test_cli_core import EXAMPLE, receive_top_secret, tracker
from tracker.config import load_site

__all__ = ["tracker"]


def test_gateway_turns_a_crossing_into_an_alert(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "by-id"
    office = SimulatedOffice(load_site(EXAMPLE), folder).start()
    site = tmp_path / "site.toml"
    site.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("/dev/serial/by-id/", f"{folder}/"),
        encoding="utf-8",
    )
    try:
        tracker("site", "load", str(site))
        carrier = receive_top_secret(tracker)
        epc = carrier["epc"]
        from tracker.cli.main import main

        done: list[int] = []
        t = threading.Thread(
            target=lambda: done.append(
                main(
                    [
                        "gateway",
                        "--site",
                        str(site),
                        "--door",
                        "door-secure",
                        "--seconds",
                        "6",
                        "--outbox",
                        str(tmp_path / "ob.sqlite"),
                    ]
                )
            )
        )
        t.start()
        assert office.ready(["door-secure-in", "door-secure-out"])
        office.carry("door-secure", "out", (epc,))
        t.join(20)
        assert done == [0]
        shown = json.loads(tracker("carrier", "show", carrier["serial"], "--json").stdout)
        assert shown["location"] == "corridor"
        assert any("move" in h for h in shown["history"])
    finally:
        office.stop()
