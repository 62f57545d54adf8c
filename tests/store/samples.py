"""One fully populated example of every entity, for round-trip tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from tracker.domain import accounts as acc
from tracker.domain import model as m
from tracker.domain import sessions as ses
from tracker.domain.levels import Clearance, Level
from tracker.domain.period import SecrecyPeriod

T = datetime(2026, 11, 24, 2, 0, 0, 123456, tzinfo=UTC)
# The same instant written in Beijing time: the store must hand back UTC.
T_CST = datetime(2026, 11, 24, 10, 30, 0, 654321, tzinfo=timezone(timedelta(hours=8)))


def carrier(serial: str = "JM-2026-000001", **kw: Any) -> m.Carrier:
    """A carrier with every field set to something other than its default."""
    values: dict[str, Any] = {
        "serial": serial,
        "title": "关于某项目的请示 (draft %_)",
        "medium": m.Medium.USB,
        "level": Level.SECRET,
        "period": SecrecyPeriod.until("项目验收后"),
        "classified_on": date(2026, 1, 5),
        "issuing_authority": "某部办公厅",
        "received_on": date(2026, 1, 6),
        "received_from": "机要交通",
        "received_by": "carol",
        "copy_number": 2,
        "total_copies": 5,
        "pages": 12,
        "scope": m.KnowledgeScope(frozenset({"alice", "bob"}), frozenset({"policy"})),
        "home_room": "secure",
        "home_safe": "safe-s1",
        "state": m.CarrierState.OUT,
        "location": "reading",
        "holder": "alice",
        "location_at": T_CST,
        "epc": "E28011606000020A1B2C3D4E",
        "labelled": True,
        "original": "JM-2026-000000",
        "container": "JM-2026-000009",
        "notes": "第2份",
    }
    values.update(kw)
    return m.Carrier(**values)


def every_entity() -> list[Any]:
    """One instance of each entity type, with all fields non-default."""
    return [
        carrier(),
        m.Person(
            "alice",
            "Alice",
            "policy",
            Clearance.CORE,
            m.Role.OFFICER,
            active=False,
            left_on=date(2026, 10, 1),
            decommission_until=date(2029, 10, 1),
            successor="bob",
            email="alice@example.org",
        ),
        m.Badge("0100073EA7", "alice", m.BadgeKind.UHF, active=False),
        m.Place(
            "safe-s1", m.PlaceKind.SAFE, "保密柜1", "secure", Level.TOP_SECRET, m.RoomKind.SECURE
        ),
        m.Door("d1", "机要室门", "secure", "corridor", exit=True),
        m.Borrow(
            "b1",
            "JM-2026-000001",
            "alice",
            "reading",
            "review",
            T,
            T_CST + timedelta(hours=8),
            requested_by="carol",
            state=m.BorrowState.OUT,
            approver="dave",
            decided_at=T,
            decision_note="ok",
            checked_out_at=T,
            checked_out_by="carol",
            returned_at=T_CST,
            returned_to="carol",
            circulation="c1",
        ),
        m.Circulation(
            "c1",
            "JM-2026-000001",
            ("alice", "bob"),
            "reading",
            T,
            T + timedelta(days=30),
            "dave",
            "carol",
            urgent=True,
            next_index=1,
            state=m.CirculationState.DONE,
        ),
        m.CarryOut(
            "co1",
            ("JM-2026-000001", "JM-2026-000002"),
            "alice",
            ("bob", "erin"),
            "某会议",
            "meeting",
            T,
            T + timedelta(hours=4),
            "alice",
            T,
            vehicle="京A-00001",
            state=m.ApprovalState.APPROVED,
            approver="dave",
            decided_at=T,
            returned_at=T_CST,
        ),
        m.CopyRequest(
            "cr1",
            "JM-2026-000001",
            2,
            "distribution",
            "alice",
            T,
            state=m.ApprovalState.DONE,
            approver="dave",
            decided_at=T,
            copies=("JM-2026-000003", "JM-2026-000004"),
        ),
        m.Inventory(
            "i1",
            ("secure", "safe-s1"),
            (Level.TOP_SECRET, Level.SECRET),
            "carol",
            T,
            expected=("A", "B"),
            found=("A",),
            unexpected=("E2801160",),
            state=m.InventoryState.CLOSED,
            closed_at=T_CST,
            closed_by="carol",
        ),
        m.Destruction(
            "x1",
            ("JM-2026-000001",),
            "carol",
            T,
            "shredder-room",
            "shred",
            "expired",
            state=m.ApprovalState.DONE,
            approver="dave",
            decided_at=T,
            witnesses=("erin", "frank"),
            executed_at=T_CST,
            executed_by="carol",
        ),
        m.Handover("h1", "alice", "bob", ("JM-2026-000001",), T, "carol", approver="dave"),
        m.LossReport(
            "l1",
            "JM-2026-000001",
            m.LossKind.COMPUTER_LEAK,
            "usb lost",
            T,
            T_CST,
            "alice",
            late=True,
        ),
        m.Movement(
            "mv1",
            "JM-2026-000001",
            "secure",
            "corridor",
            T_CST,
            door="d1",
            holder="alice",
            people=("alice", "bob"),
            source=m.MovementSource.RFID,
            event_id="gw-1-000001",
        ),
        m.Alert(
            "a1",
            m.AlertType.ESCORT_MISSING,
            m.Severity.CRITICAL,
            m.SubjectKind.CARRIER,
            "JM-2026-000001",
            "escort:JM-2026-000001",
            "R6",
            T,
            T_CST,
            count=3,
            state=m.AlertState.ACKNOWLEDGED,
            details={"door": "d1", "seen": "alice"},
            acknowledged_by="carol",
            acknowledged_at=T,
            resolved_by="dave",
            resolved_at=T_CST,
            note="checked",
            escalation=2,
        ),
        m.Notification(
            "n1",
            "email",
            "alice",
            "alice@example.org",
            "逾期未还",
            "body",
            ("a1", "a2"),
            T,
            run="run-1",
            state=m.DeliveryState.FAILED,
            attempts=5,
            next_attempt_at=T_CST,
            last_error="550 mailbox unavailable",
            sent_at=T,
        ),
        acc.User("alice", "alice", "$argon2id$v=19$...", T, "root", False, T_CST),
        acc.Device("gw-1", ("d1", "safe-s1"), "ab" * 32, T, "root", False, True),
        ses.ConsoleSession(
            "cd" * 32, "alice", "alice", T, T_CST, T, "idle", "10.0.0.7", "Chromium"
        ),
    ]
