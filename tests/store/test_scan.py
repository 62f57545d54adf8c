"""Paged scans (what the registers read through): every record once, in (field, key)
order, across page boundaries that fall inside runs of equal times; bounds half-open;
nothing tracked, so changing a scanned object writes nothing. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import T0
from tracker.domain.ledger import Action, EntryDraft
from tracker.domain.model import Handover, new_id


def _handovers(uow_factory, n: int) -> list[Handover]:  # type: ignore[no-untyped-def]
    made = []
    with uow_factory() as uow:
        for i in range(n):
            # three records share each instant, so pages end in the middle of a run
            h = Handover(
                new_id(), "erin", "alice", (f"S{i}",), T0 + timedelta(minutes=i // 3), "carol"
            )
            uow.handovers.add(h)
            made.append(h)
        uow.commit()
    return sorted(made, key=lambda h: (h.at, h.id))


def test_scan_pages_through_equal_times_in_order(uow_factory) -> None:  # type: ignore[no-untyped-def]
    made = _handovers(uow_factory, 23)
    with uow_factory(write=False) as uow:
        got = list(uow.handovers.scan("at", page_size=4))
        assert [h.id for h in got] == [h.id for h in made]
        start, end = T0 + timedelta(minutes=2), T0 + timedelta(minutes=5)
        inside = list(uow.handovers.scan("at", start=start, end=end, page_size=2))
        assert [h.id for h in inside] == [h.id for h in made if start <= h.at < end]
        assert list(uow.handovers.scan("at", start=T0, to_person="nobody")) == []


def test_scanned_objects_are_not_tracked(uow_factory) -> None:  # type: ignore[no-untyped-def]
    _handovers(uow_factory, 3)
    with uow_factory() as uow:
        for h in uow.handovers.scan("at"):
            h.recorded_by = "mallory"
        uow.commit()
    with uow_factory(write=False) as uow:
        assert {h.recorded_by for h in uow.handovers.find()} == {"carol"}


def test_ledger_scan_by_action_and_time(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        for i in range(9):
            action = Action.RECLASSIFY if i % 2 else Action.STORE
            at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=i)
            uow.ledger.append(EntryDraft(action=action, at=at, actor="ann", carrier=f"S{i}"))
        uow.commit()
    with uow_factory(write=False) as uow:
        got = list(
            uow.ledger.scan(
                ["reclassify"],
                start=datetime(2026, 11, 2, tzinfo=UTC),
                end=datetime(2026, 11, 8, tzinfo=UTC),
                page_size=1,
            )
        )
    assert [e.carrier for e in got] == ["S1", "S3", "S5"]


def test_scan_values_reads_only_the_fields_asked_in_scan_order(uow_factory) -> None:  # type: ignore[no-untyped-def]
    made = _handovers(uow_factory, 11)
    with uow_factory(write=False) as uow:
        got = list(uow.handovers.scan_values(("id", "carriers", "at"), "at", page_size=3))
        assert got == [(h.id, h.carriers, h.at) for h in made]
        start = T0 + timedelta(minutes=1)
        later = list(uow.handovers.scan_values(("id",), "at", start=start, to_person="alice"))
        assert later == [(h.id,) for h in made if h.at >= start]
