"""A reading desk (R16) in a running simulated office: ``tracker sim lay/badge/lift``
through the control socket, the desk's pad and badge reader simulated on real ptys, read
by the real drivers and gateway, and the reading session opened and closed in the
register."""

from __future__ import annotations

from pathlib import Path

from simulators.control import ControlServer
from simulators.office import SimulatedOffice
from tests.cli.test_cli_core import EXAMPLE, receive_top_secret, tracker
from tests.simulators.test_office_control import wait_for
from tracker.bootstrap import build, open_reader
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions
from tracker.gateway.sinks import ServiceSink

__all__ = ["tracker"]


def test_reading_at_the_desk_by_badge_through_the_real_gateway(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tracker("site", "load", str(EXAMPLE))
    tracker(
        "person", "add", "alice", "--name", "李", "--department", "policy", "--clearance", "core"
    )
    tracker("person", "badge", "alice", "0100073EAB")
    serial = receive_top_secret(tracker, "--scope-people", "alice")["serial"]
    app = build()
    office = SimulatedOffice(app.services.site, tmp_path / "by-id").start()
    app.services.site = office.site
    gw = Gateway(
        office.site,
        ServiceSink(app.services, "gw-desk"),
        Outbox(),
        open_reader,
        GatewayOptions("gw-desk", doors=frozenset(), desks=frozenset({"desk-secure"})),
    ).start()
    sock = tmp_path / "sim.sock"
    control = ControlServer(office, sock).start()

    def sessions() -> list[tuple[str, bool, str]]:
        with app.services.read() as uow:
            found = uow.disclosures.find(carrier=serial, kind="reading")
            return [(d.person, d.open, d.source.value) for d in found]

    try:
        assert {r.id for r in gw.readers_cfg} == {"desk-secure-rfid", "desk-secure-badge"}
        assert office.ready([r.id for r in gw.readers_cfg])
        desk = gw.logic.desks["desk-secure"]
        tracker("sim", "lay", serial, "--desk", "desk-secure", "--socket", str(sock))
        assert wait_for(lambda: desk.present() != ())  # the pad sees it lying there
        tracker("sim", "badge", "alice", "--desk", "desk-secure", "--socket", str(sock))
        assert wait_for(lambda: sessions() == [("alice", True, "badge")])
        assert wait_for(lambda: not desk.held())  # she takes her badge away
        tracker("sim", "lift", serial, "--desk", "desk-secure", "--socket", str(sock))
        tracker("sim", "badge", "alice", "--desk", "desk-secure", "--socket", str(sock))
        assert wait_for(lambda: sessions() == [("alice", False, "badge")])
        with app.services.read() as uow:
            actions = [e.action for e in uow.ledger.for_carrier(serial)]
        assert actions[-2:] == ["reading_open", "reading_close"]
    finally:
        control.stop()
        gw.stop()
        office.stop()
        app.engine.dispose()  # or the test's database cannot be dropped
