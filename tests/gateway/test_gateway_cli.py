"""``tracker gateway`` against simulated readers, straight into the database."""

from __future__ import annotations

import json
import threading
import time
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


def _alarm_site(folder: Path, camera_url: str) -> str:
    """The example site with an LCUS stack light at the exit and the exit's camera at
    ``camera_url``."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("/dev/serial/by-id/", f"{folder}/")
    text = text.replace("rtsp://127.0.0.1:8554/exit", camera_url)
    text = text.replace(
        'camera = "cam-exit"\n',
        'camera = "cam-exit"\nalarm = { output = "relay-exit", light = 1, off_after = 0 }\n',
    )
    return (
        text
        + f'\n[[outputs]]\nid = "relay-exit"\nprotocol = "lcus"\nurl = "{folder}/usb-relay-exit"\n'
    )


def test_gateway_sounds_the_exit_prints_the_table_and_keeps_the_cameras_stills(
    tracker, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    import numpy as np

    from simulators.camera_mjpeg import MjpegServer
    from simulators.relay import LcusSimulator
    from tracker.bootstrap import build
    from tracker.cli.main import main

    folder = tmp_path / "by-id"
    office = SimulatedOffice(load_site(EXAMPLE), folder).start()
    relay = LcusSimulator(folder / "usb-relay-exit").start()
    camera = MjpegServer(lambda i: np.full((120, 160, 3), i % 250, np.uint8), fps=10).start()
    site = tmp_path / "site.toml"
    site.write_text(_alarm_site(folder, camera.url), encoding="utf-8")
    try:
        tracker("site", "load", str(site))
        carrier = receive_top_secret(tracker)
        args = ["gateway", "--site", str(site), "--door", "door-exit", "--seconds", "8"]
        done: list[int] = []
        t = threading.Thread(target=lambda: done.append(main(args)))
        capsys.readouterr()
        t.start()
        assert office.ready(["door-exit-in", "door-exit-out"])
        time.sleep(1.0)  # the camera's ring buffer fills
        office.carry("door-exit", "out", (carrier["epc"],))
        assert relay.log.wait_for(1, True, timeout=10) is not None
        t.join(30)
        assert done == [0]
        out = capsys.readouterr().out
    finally:
        office.stop()
        relay.stop()
        camera.stop()
    assert "door cameras kept for alarm stills: cam-exit" in out
    lines = [line for line in out.splitlines() if line.startswith("authorization table v")]
    assert len(lines) >= 2  # at start and at stop
    svc = build(site_file=site, load=False).services
    with svc.read() as uow:
        (entry,) = [e for e in uow.ledger.for_carrier(carrier["serial"]) if e.action == "alarm"]
        (alert_id,) = entry.data["alerts"]
        stills = uow.evidence.for_alert(alert_id)
        blobs = [uow.evidence.blob(s.sha256) for s in stills]
    assert len(stills) == 3
    assert [s["sha256"] for s in entry.data["stills"]] == [s.sha256 for s in stills]
    for s, data in zip(stills, blobs, strict=True):
        assert data is not None and data[:3] == b"\xff\xd8\xff"
        assert hashlib.sha256(data).hexdigest() == s.sha256
        assert s.camera == "cam-exit" and s.door == "door-exit"
