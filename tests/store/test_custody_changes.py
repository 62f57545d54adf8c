"""What a unit of work reports it changed of custody (R14): new carriers and requests,
carriers whose state, place or holder changed, requests whose state changed — and not a
carrier another transaction changed before this one locked it, nor fields that are not
custody (a title, a label flag)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.db import only_postgres
from tests.store import samples
from tracker.domain import model as m
from tracker.domain.ledger import Action, EntryDraft
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]


def _borrow(serial: str) -> m.Borrow:
    return m.Borrow(
        "b1", serial, "alice", "reading", "read", samples.T, samples.T + timedelta(hours=4)
    )


def test_new_and_changed_custody_is_reported_and_other_fields_are_not(
    uow_factory: Factory,
) -> None:
    with uow_factory() as uow:
        uow.carriers.add(samples.carrier("S-1", state=m.CarrierState.IN_SAFE, holder=None))
        uow.carriers.add(
            samples.carrier("S-2", state=m.CarrierState.IN_SAFE, holder=None, epc=None)
        )
        uow.borrows.add(_borrow("S-1"))
        got = uow.custody_changes()
        assert (got.carriers, got.requests) == ({"S-1", "S-2"}, {"borrows:b1"})
        assert (got.recorded, got.entries) == (frozenset(), 0)
        uow.ledger.append(EntryDraft(Action.RECEIVE, samples.T, "carol", carrier="S-1"))
        got = uow.custody_changes()
        assert (got.recorded, got.entries) == ({"S-1"}, 1)
        uow.commit()
    with uow_factory() as uow:
        one, two = uow.carriers.get("S-1"), uow.carriers.get("S-2")
        b = uow.borrows.get("b1")
        assert one is not None and two is not None and b is not None
        one.title, one.labelled = "改名", False  # not custody
        b.purpose = "other"
        assert uow.custody_changes().carriers == frozenset()
        assert uow.custody_changes().requests == frozenset()
        two.holder = "alice"
        b.state = m.BorrowState.APPROVED
        got = uow.custody_changes()
        assert (got.carriers, got.requests) == ({"S-2"}, {"borrows:b1"})
        two.holder = None  # changed back: nothing changed
        assert uow.custody_changes().carriers == frozenset()


@only_postgres  # SQLite lets one writer at a time: no other transaction gets in between
def test_a_change_made_by_another_transaction_before_the_lock_is_not_this_ones(
    uow_factory: Factory,
) -> None:
    with uow_factory() as uow:
        uow.carriers.add(samples.carrier("S-1", state=m.CarrierState.IN_SAFE, holder=None))
        uow.commit()
    with uow_factory() as uow:
        seen = uow.carriers.get("S-1")  # read first, then (as use cases do) locked
        with uow_factory() as other:
            c = other.carriers.get("S-1")
            assert c is not None
            c.state, c.holder = m.CarrierState.OUT, "alice"
            other.commit()
        locked = uow.carriers.lock("S-1")
        assert locked is seen and locked is not None and locked.state is m.CarrierState.OUT
        assert uow.custody_changes().carriers == frozenset()
        locked.state = m.CarrierState.REGISTERED
        assert uow.custody_changes().carriers == {"S-1"}
