"""Property: random sequences of use cases and reader observations on real carriers in a
real database keep the lifecycle's invariants — a destroyed carrier stays destroyed and
its EPC is never given to another, a carrier out has a holder and an open borrow, one in
a safe or with the custodian has no holder, every change of state follows the
lifecycle table and leaves a register entry, and the register verifies."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from tests.db import only_sqlite
from tests.services.conftest import receive_one
from tracker.domain.errors import TrackerError
from tracker.domain.lifecycle import TABLE
from tracker.domain.model import BorrowState, CarrierState, LossKind, PlaceKind
from tracker.services import borrowing, carry_out, classification, custody, destruction, loss
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch
from tracker.services.receive import store_in_safe
from tracker.store.tables import EpcRegistryRow

S = CarrierState
_events = itertools.count()


def _seen(svc: Services, serial: str, **kw: Any) -> None:
    apply_batch(
        svc, "gw-test", [Observation(f"ev-{next(_events)}", at=svc.now(), code=serial, **kw)]
    )


def _borrow(svc: Services, serial: str) -> None:
    b = borrowing.request_borrow(svc, "alice", serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)


def _destroy(svc: Services, serial: str) -> None:
    d = destruction.request_destruction(svc, "carol", [serial], "secure", "粉碎", "到期")
    destruction.approve_destruction(svc, "ann", d.id)
    destruction.witness(svc, "oscar", d.id)
    destruction.witness(svc, "andy", d.id)
    destruction.execute_destruction(svc, "carol", d.id)


def _carry_out(svc: Services, serial: str) -> None:
    now = svc.now()
    co = carry_out.request_carry_out(
        svc, "carol", [serial], "alice", [], "上级机关", "送审", now, now + timedelta(hours=2)
    )
    carry_out.approve_carry_out(svc, "ann", co.id)
    _seen(svc, serial, kind="crossing", door="door-exit", direction="out", badges=("0100073EAB",))


def _come_back(svc: Services, serial: str) -> None:
    with svc.read() as uow:
        open_ = [c for c in uow.carry_outs.find(state="approved") if serial in c.carriers]
    for co in open_:
        carry_out.return_from_carry_out(svc, "carol", co.id)


def _handover(svc: Services, serial: str) -> None:
    with svc.read() as uow:
        holder = uow.carriers.get(serial).holder  # type: ignore[union-attr]
    custody.handover(svc, "carol", holder or "alice", "erin", [serial])


ACTIONS: dict[str, Callable[[Services, str], Any]] = {
    "store": lambda s, c: store_in_safe(s, "carol", c),
    "borrow": _borrow,
    "return": lambda s, c: borrowing.return_carrier(s, "carol", c, "safe-s1"),
    "handover": _handover,
    "lose": lambda s, c: loss.report_loss(s, "alice", c, LossKind.LOSS, "找不到", s.now()),
    "find": lambda s, c: loss.mark_found(s, "carol", c, "找到"),
    "declassify": lambda s, c: classification.declassify(s, "ann", c, "提前解密"),
    "destroy": _destroy,
    "carry_out": _carry_out,
    "come_back": _come_back,
    "seen_leaving_secure": lambda s, c: _seen(
        s, c, kind="crossing", door="door-secure", direction="out"
    ),
    "seen_in_safe": lambda s, c: _seen(s, c, kind="safe", safe="safe-s1", present=True),
    "seen_out_of_safe": lambda s, c: _seen(s, c, kind="safe", safe="safe-s1", present=False),
}


def _reachable(a: CarrierState, b: CarrierState, steps: int = 3) -> bool:
    """True when the table leads from ``a`` to ``b`` in at most ``steps`` steps (one use
    case may take a few: a return also locks the carrier away)."""
    frontier = {a}
    for _ in range(steps):
        frontier |= {
            (s if t.target is None else t.target)
            for s in frontier
            for t in TABLE.values()
            if s in t.sources
        }
    return b in frontier


# Destroying ends a carrier's story: drawn less often than the rest.
DRAWN = sorted(ACTIONS) * 3 + sorted(set(ACTIONS) - {"destroy"}) * 2
plans = st.lists(
    st.tuples(st.sampled_from(DRAWN), st.integers(0, 1), st.booleans()),
    min_size=1,
    max_size=14,
)


@only_sqlite
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans)
def test_random_use_cases_keep_the_lifecycle_invariants(
    svc: Services, engine: Engine, plan: list[tuple[str, int, bool]]
) -> None:
    carriers = [receive_one(svc, scope_people=("alice", "erin")).serial for _ in range(2)]
    safes = {p.id for p in svc.site.places if p.kind is PlaceKind.SAFE}
    seen: dict[str, tuple[CarrierState, int]] = {}
    retired: set[str] = set()

    def check() -> None:
        with svc.read() as uow:
            for serial in carriers:
                c = uow.carriers.get(serial)
                assert c is not None
                entries = len(uow.ledger.for_carrier(serial, limit=10_000))
                before = seen.get(serial)
                if before is not None:
                    state, count = before
                    if state is S.DESTROYED:
                        assert c.state is S.DESTROYED, "destroyed is final"
                    if c.state is not state:
                        assert _reachable(state, c.state), (state, c.state)
                        assert entries > count, "a change of state without a register entry"
                seen[serial] = (c.state, entries)
                if c.state in (S.OUT, S.IN_TRANSIT):
                    assert c.holder is not None, c
                if c.state is S.OUT:
                    out = uow.borrows.find(carrier=serial, state=BorrowState.OUT)
                    assert [b.borrower for b in out] == [c.holder]
                if c.state in (S.IN_SAFE, S.REGISTERED):
                    assert c.holder is None, c
                if c.state is S.IN_SAFE:
                    assert c.location in safes
                if c.state is S.DESTROYED:
                    assert (c.location, c.holder) == (None, None)
                    retired.add(c.epc or "")
        with engine.connect() as conn:
            claims = conn.execute(select(EpcRegistryRow.epc, EpcRegistryRow.serial)).all()
        assert len({epc for epc, _ in claims}) == len(claims)

    check()
    for action, which, receive_more in plan:
        # Refused as the rules and the lifecycle say; checked below all the same.
        with contextlib.suppress(TrackerError):
            ACTIONS[action](svc, carriers[which])
        if receive_more:
            fresh = receive_one(svc)
            assert fresh.epc not in retired, "an EPC was reused"
        svc.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        check()
    with svc.read() as uow:
        assert uow.ledger.verify().ok
