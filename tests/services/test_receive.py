"""Receiving (R15), numbering, EPCs, containers, putting away."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.services.conftest import item, receive_one
from tracker.domain import epc as epc_codec
from tracker.domain.errors import InvalidInput, PermissionDenied, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import CarrierState, Medium
from tracker.services.base import Services
from tracker.services.receive import ReceiveBatch, receive, store_in_safe


def test_r15_receive_counts_registers_numbers_and_signs(svc: Services) -> None:
    got = receive(svc, "carol", ReceiveBatch([item(), item(Level.CONFIDENTIAL)], 2, "某部机要局"))
    assert [c.serial for c in got] == ["JM-2026-000001", "JM-2026-000002"]
    with svc.read() as uow:
        c = uow.carriers.get("JM-2026-000001")
        assert c is not None
        assert (c.state, c.received_by, c.received_from) == (
            CarrierState.REGISTERED,
            "carol",
            "某部机要局",
        )
        assert c.marking.zh() == "机密★10年"
        entries = uow.ledger.for_carrier("JM-2026-000001")
    assert [e.action for e in entries] == ["receive"]
    assert entries[0].actor == "carol" and entries[0].data["declared_count"] == 2
    assert "title" not in entries[0].data and "关于" not in repr(entries[0])


def test_r15_count_mismatch_with_the_dispatch_list_is_refused(svc: Services) -> None:
    with pytest.raises(RuleViolation, match="R15: counted 1 carriers but the dispatch list says 2"):
        receive(svc, "carol", ReceiveBatch([item()], 2, "某部机要局"))
    with svc.read() as uow:
        assert uow.carriers.count() == 0


def test_r15_only_a_custodian_signs_for_carriers(svc: Services) -> None:
    with pytest.raises(PermissionDenied):
        receive(svc, "alice", ReceiveBatch([item()], 1, "某部机要局"))


def test_serials_restart_each_year_and_never_repeat(svc: Services, clock) -> None:  # type: ignore[no-untyped-def]
    receive_one(svc)
    clock.advance(timedelta(days=40))  # into 2027
    c = receive_one(svc)
    assert c.serial == "JM-2027-000001"


def test_concurrent_receives_get_distinct_gapless_serials(svc: Services) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                receive_one(svc, Level.CONFIDENTIAL)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with svc.read() as uow:
        serials = sorted(c.serial for c in uow.carriers.find())
        epcs = {c.epc for c in uow.carriers.find()}
    assert serials == [f"JM-2026-{n:06d}" for n in range(1, 21)]
    assert len(epcs) == 20


def test_every_carrier_gets_a_decodable_gs1_epc(svc: Services) -> None:
    c = receive_one(svc)
    assert c.epc is not None
    decoded = epc_codec.decode(c.epc)
    assert decoded.company_prefix == svc.site.labels.gs1_company_prefix
    assert decoded.id_uri.startswith("urn:epc:id:giai:0614141.")


def test_container_takes_highest_level_and_longest_period_of_contents(svc: Services) -> None:
    folder = receive_one(svc, Level.CONFIDENTIAL, medium=Medium.OTHER, title="卷宗")
    assert folder.marking.zh() == "秘密★10年"
    receive_one(svc, Level.SECRET, container=folder.serial)
    with svc.read() as uow:
        f = uow.carriers.get(folder.serial)
        assert f is not None and f.marking.zh() == "机密★10年"
        assert [e.action for e in uow.ledger.for_carrier(folder.serial)] == [
            "receive",
            "reclassify",
        ]


def test_r1_a_carrier_cannot_be_homed_in_a_room_below_its_level(svc: Services) -> None:
    with pytest.raises(RuleViolation, match="R1"):
        receive_one(svc, Level.SECRET, home_room="office-b", home_safe=None)


def test_invalid_period_is_named_by_item_and_field(svc: Services) -> None:
    from tracker.domain.period import SecrecyPeriod

    with pytest.raises(InvalidInput) as e:
        receive(svc, "carol", ReceiveBatch([item(), item(period=SecrecyPeriod.years(40))], 2, "x"))
    assert e.value.field == "items[1].period"


def test_store_in_safe_puts_it_away(svc: Services) -> None:
    c = receive_one(svc)
    stored = store_in_safe(svc, "carol", c.serial)
    assert (stored.state, stored.location) == (CarrierState.IN_SAFE, "safe-s1")
