"""Serial numbers and EPC references: gap-free, duplicate-free, rolled back with their
transaction; EPCs never reused."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tracker.domain.errors import Conflict
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]

THREADS = 8
EACH = 25


def test_serials_are_gap_free_and_unique_under_concurrent_transactions(
    uow_factory: Factory,
) -> None:
    got: list[int] = []
    errors: list[Exception] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            start.wait(10)
            for _ in range(EACH):
                # A read before the allocation, as a receive does: with a deferred BEGIN
                # on SQLite this is where lock upgrades would fail.
                with uow_factory() as uow:
                    uow.carriers.count()
                    n = uow.counters.next_serial("JM", 2026)
                    uow.commit()
                with lock:
                    got.append(n)
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(100)
    assert errors == []
    assert sorted(got) == list(range(1, THREADS * EACH + 1))


def test_counters_are_per_prefix_and_year(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert [uow.counters.next_serial("JM", 2026) for _ in range(3)] == [1, 2, 3]
        assert uow.counters.next_serial("JM", 2027) == 1
        assert uow.counters.next_serial("MM", 2026) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.counters.next_serial("JM", 2026) == 4


def test_a_rolled_back_serial_is_given_again(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert uow.counters.next_serial("JM", 2026) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.counters.next_serial("JM", 2026) == 2
        assert uow.counters.next_epc_reference() == 1
        # no commit: the transaction rolls back and gives both numbers back
    with uow_factory() as uow:
        assert uow.counters.next_serial("JM", 2026) == 2
        assert uow.counters.next_epc_reference() == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.counters.next_serial("JM", 2026) == 3
        assert uow.counters.next_epc_reference() == 2


def test_epcs_are_never_reused(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.counters.claim_epc("e2801160aaaa", "JM-2026-000001")
        uow.counters.claim_epc("E2801160AAAA", "JM-2026-000001")  # same carrier again: fine
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(Conflict, match="JM-2026-000001"):
            uow.counters.claim_epc("E2801160AAAA", "JM-2026-000002")
        uow.counters.claim_epc("E2801160BBBB", "JM-2026-000002")
        assert uow.counters.epc_owner("e2801160bbbb") == "JM-2026-000002"
        uow.commit()
    with uow_factory(write=False) as uow:
        assert uow.counters.epc_owner("E2801160AAAA") == "JM-2026-000001"
        assert uow.counters.epc_owner("E28011600000") is None


def test_batches_take_consecutive_numbers(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert uow.counters.next_serial("JM", 2026) == 1
        assert list(uow.counters.next_serials("JM", 2026, 100)) == list(range(2, 102))
        assert uow.counters.next_serial("JM", 2026) == 102
        assert list(uow.counters.next_serials("KM", 2026, 3)) == [1, 2, 3]
        assert list(uow.counters.next_epc_references(5)) == [1, 2, 3, 4, 5]
        assert uow.counters.next_epc_reference() == 6
        uow.commit()


def test_claiming_epcs_in_a_batch(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.counters.claim_epc("E1", "S-1")
        uow.counters.claim_epcs([("e2", "S-2"), ("E3", "S-3"), ("E1", "S-1")])
        uow.commit()
    with (
        uow_factory() as uow,
        pytest.raises(Conflict, match="E3 was already given to carrier S-3"),
    ):
        uow.counters.claim_epcs([("E4", "S-4"), ("E3", "S-5")])
    with uow_factory() as uow, pytest.raises(Conflict, match="twice"):
        uow.counters.claim_epcs([("E5", "S-5"), ("e5", "S-6")])
    with uow_factory(write=False) as uow:
        assert uow.counters.epc_owner("E2") == "S-2"
        assert uow.counters.epc_owner("E4") is None  # the failed batch left nothing
