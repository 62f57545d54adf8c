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
