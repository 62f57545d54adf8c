"""``tracker gateway`` against simulated readers, straight into the database, and over
MQTT through the real broker to the service's consumer."""

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


def test_gateway_cut_off_from_the_service_decides_on_its_table_and_says_it_is_stale(
    tracker, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from simulators.relay import LcusSimulator
    from tracker.cli.main import main
    from tracker.domain.authz import AuthorizationTable
    from tracker.gateway.table import TableStore

    folder = tmp_path / "by-id"
    office = SimulatedOffice(load_site(EXAMPLE), folder).start()
    relay = LcusSimulator(folder / "usb-relay-exit").start()
    site = tmp_path / "site.toml"
    text = _alarm_site(folder, "rtsp://127.0.0.1:9/none") + "\n[alarms]\ntable_max_age = 1\n"
    site.write_text(text, encoding="utf-8")
    # The table the gateway had when the service went away, an hour ago.
    now = datetime.now(UTC)
    kept = TableStore(tmp_path / "data" / "authz-gateway.json")
    kept.replace(AuthorizationTable(7, now, frozenset(), {}), now - timedelta(hours=1))
    monkeypatch.setenv("TRACKER_DEVICE_TOKEN", "not-needed-nobody-answers")
    args = ["gateway", "--site", str(site), "--door", "door-exit", "--seconds", "12"]
    args += ["--server", "http://127.0.0.1:9"]  # nothing listens there
    try:
        capsys.readouterr()
        done: list[int] = []
        t = threading.Thread(target=lambda: done.append(main(args)))
        t.start()
        assert office.ready(["door-exit-in", "door-exit-out"])
        office.carry("door-exit", "out", ("3034257BF400000000ABCDEF",))  # unknown: alarms
        assert relay.log.wait_for(1, True, timeout=10) is not None
        t.join(40)
        assert done == [0]
        out = capsys.readouterr().out
    finally:
        office.stop()
        relay.stop()
    assert "authorization table v7, confirmed 3600 s ago" in out
    assert "(stale: the service is out of reach)" in out
    assert "observation(s) still queued" in out and "stopped; 0 observation" not in out


def test_gateway_over_mqtt_reaches_the_service(tracker, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Simulated readers → drivers → `tracker gateway --events mqtt://…` (outbox,
    MqttSink) → the real broker → the service's consumer → the database."""
    import uuid

    from api.mqtt import MqttIngest
    from api.settings import ApiSettings
    from tests.conftest import require_service
    from tracker.bootstrap import build
    from tracker.services import accounts

    require_service("Mosquitto", "127.0.0.1", 1883)
    folder = tmp_path / "by-id"
    office = SimulatedOffice(load_site(EXAMPLE), folder).start()
    site = tmp_path / "site.toml"
    site.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("/dev/serial/by-id/", f"{folder}/"),
        encoding="utf-8",
    )
    built = None
    ingest = None
    try:
        tracker("site", "load", str(site))
        carrier = receive_top_secret(tracker)
        built = build()
        device = f"gw-{uuid.uuid4().hex[:8]}"
        _, token = accounts.create_device(built.services, "cli:test", device, ["door-secure"])
        monkeypatch.setenv("TRACKER_DEVICE_TOKEN", token)
        settings = ApiSettings(mqtt_group=f"t{uuid.uuid4().hex[:8]}", mqtt_session_hours=0.02)
        ingest = MqttIngest(
            "mqtt://127.0.0.1:1883", built.services, settings, client_id=f"t-{device}"
        ).start()
        assert ingest.connected.wait(10)
        from tracker.cli.main import main

        done: list[int] = []
        args = ["gateway", "--site", str(site), "--door", "door-secure", "--seconds", "6"]
        args += ["--id", device, "--events", "mqtt://127.0.0.1:1883"]
        args += ["--outbox", str(tmp_path / "ob.sqlite")]
        t = threading.Thread(target=lambda: done.append(main(args)))
        t.start()
        assert office.ready(["door-secure-in", "door-secure-out"])
        office.carry("door-secure", "out", (carrier["epc"],))
        t.join(20)
        assert done == [0]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            shown = json.loads(tracker("carrier", "show", carrier["serial"], "--json").stdout)
            if shown["location"] == "corridor":
                break
            time.sleep(0.2)
        assert shown["location"] == "corridor"
        assert ingest.refusals == []
    finally:
        if ingest is not None:
            ingest.stop()
        if built is not None:
            built.services.bus.close()
            built.engine.dispose()
        office.stop()
