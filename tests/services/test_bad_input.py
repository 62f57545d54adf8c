"""Every use case refuses invalid input with a clear error and leaves the database —
tables and ledger — exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.factories import T0
from tests.services.conftest import item, receive_one
from tracker.domain.errors import TrackerError
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import BadgeKind, LossKind
from tracker.domain.period import SecrecyPeriod
from tracker.services import (
    alerting,
    borrowing,
    carry_out,
    classification,
    copying,
    custody,
    destruction,
    inventory,
    loss,
    people,
)
from tracker.services.base import Services
from tracker.services.receive import ReceiveBatch, receive, store_in_safe

Call = Callable[[Services, str], Any]

# Each case: a name and an invalid call given a stored secret carrier's serial.
CASES: list[tuple[str, Call, str]] = [
    (
        "receive",
        lambda s, c: receive(s, "carol", ReceiveBatch([item(), item(title=" ")], 2, "x")),
        "items[1].title",
    ),
    ("store_in_safe", lambda s, c: store_in_safe(s, "carol", c, "office-a"), "safe"),
    (
        "request_borrow",
        lambda s, c: borrowing.request_borrow(s, "alice", c, "alice", "corridor", "阅"),
        "R1",
    ),
    ("approve_borrow", lambda s, c: borrowing.approve_borrow(s, "ann", "nope"), "no borrow"),
    ("reject_borrow", lambda s, c: borrowing.reject_borrow(s, "ann", "nope", " "), "note"),
    ("check_out", lambda s, c: borrowing.check_out(s, "carol", "nope"), "no borrow"),
    ("return", lambda s, c: borrowing.return_carrier(s, "carol", c), "not out"),
    (
        "start_circulation",
        lambda s, c: borrowing.start_circulation(s, "carol", c, ["alice", "alice"], "reading"),
        "readers",
    ),
    ("issue_next", lambda s, c: borrowing.issue_next(s, "carol", "nope"), "circulation"),
    (
        "carry_out",
        lambda s, c: carry_out.request_carry_out(
            s, "carol", [c], "alice", [], "上级", "送", T0, T0 - timedelta(hours=1)
        ),
        "valid_until",
    ),
    (
        "approve_carry_out",
        lambda s, c: carry_out.approve_carry_out(s, "ann", "nope"),
        "carry-out",
    ),
    ("request_copy", lambda s, c: copying.request_copy(s, "carol", c, 0, "分发"), "count"),
    ("make_copies", lambda s, c: copying.make_copies(s, "carol", "nope"), "copy request"),
    ("approve_copy", lambda s, c: copying.approve_copy(s, "ann", "nope"), "copy request"),
    (
        "return_carry_out",
        lambda s, c: carry_out.return_from_carry_out(s, "carol", "nope"),
        "carry-out",
    ),
    ("transfer", lambda s, c: custody.transfer(s, "carol", c, "office-b"), "R1"),
    ("handover", lambda s, c: custody.handover(s, "carol", "alice", "alice", [c]), "to_person"),
    ("leave_post", lambda s, c: custody.leave_post(s, "secadmin", "ghost"), "ghost"),
    ("start_inventory", lambda s, c: inventory.start_inventory(s, "carol", ["attic"]), "places[0]"),
    ("submit_scans", lambda s, c: inventory.submit_scans(s, "carol", "nope", [c]), "inventory"),
    (
        "request_destruction",
        lambda s, c: destruction.request_destruction(s, "carol", [c], "corridor", "粉碎", "到期"),
        "place",
    ),
    ("witness", lambda s, c: destruction.witness(s, "oscar", "nope"), "destruction"),
    (
        "approve_destruction",
        lambda s, c: destruction.approve_destruction(s, "ann", "nope"),
        "destruction",
    ),
    (
        "execute_destruction",
        lambda s, c: destruction.execute_destruction(s, "carol", "nope"),
        "destruction",
    ),
    (
        "reclassify",
        lambda s, c: classification.reclassify(
            s, "ann", c, Level.SECRET, SecrecyPeriod.years(25), "升"
        ),
        "period",
    ),
    ("declassify", lambda s, c: classification.declassify(s, "ann", c, " "), "reason"),
    (
        "widen_scope",
        lambda s, c: classification.widen_scope(s, "ann", c, ["ghost"], [], "需要"),
        "people[0]",
    ),
    (
        "report_loss",
        lambda s, c: loss.report_loss(s, "alice", c, LossKind.LOSS, "丢失", T0 + timedelta(days=1)),
        "discovered_at",
    ),
    ("mark_found", lambda s, c: loss.mark_found(s, "carol", c, "找到"), "not missing"),
    ("acknowledge", lambda s, c: alerting.acknowledge(s, "carol", "nope"), "alert"),
    ("resolve", lambda s, c: alerting.resolve(s, "carol", "nope", " "), "note"),
    (
        "add_person",
        lambda s, c: people.add_person(s, "cli:t", "has space", "X", "d", Clearance.CORE),
        "id",
    ),
    (
        "add_badge",
        lambda s, c: people.add_badge(s, "cli:t", "alice", "XYZ", BadgeKind.EM4100),
        "code",
    ),
]


@pytest.mark.parametrize(("name", "call", "says"), CASES, ids=[c[0] for c in CASES])
def test_invalid_call_changes_nothing(
    svc: Services, snapshot, name: str, call: Call, says: str
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    store_in_safe(svc, "carol", c.serial)
    before = snapshot()
    with pytest.raises(TrackerError) as e:
        call(svc, c.serial)
    assert says in str(e.value), f"{name}: {e.value}"
    assert e.value.zh  # a Chinese message for the custodian too
    assert snapshot() == before, f"{name} changed the database"
