"""外出携带登记簿: carriers taken out of the building (R6), with escorts and vehicle."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.domain.model import ApprovalState
from tracker.services.registers.base import Cell, Column, Reading, Spec, common, row

COLUMNS = (
    Column("valid_from", "外出时间", "Out from", 1.1),
    Column("valid_until", "有效期至", "Valid until", 1.1),
    common("serial"),
    common("title"),
    common("marking"),
    Column("carrier_person", "携带人", "Carried by", 0.8),
    Column("escorts", "护送人", "Escorts", 1.0),
    Column("vehicle", "交通工具", "Vehicle", 0.8),
    Column("destination", "前往地点", "Destination", 1.0),
    common("approver"),
    Column("returned", "返回时间", "Returned", 1.1),
    Column("sign", "携带人签字", "Signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Approved carry-outs requested in the period, one row per carrier."""
    start, end = r.bounds
    found = r.uow.carry_outs.scan(
        "requested_at",
        start=start,
        end=end,
        state=[ApprovalState.APPROVED, ApprovalState.DONE],
    )
    for co, serial, c in r.each(found, lambda co: co.carriers):
        yield row(
            {
                "valid_from": r.local(co.valid_from),
                "valid_until": r.local(co.valid_until),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "carrier_person": r.name(co.carrier_person),
                "escorts": r.names(co.escorts),
                "vehicle": co.vehicle,
                "destination": co.destination,
                "approver": r.name(co.approver),
                "returned": r.local(co.returned_at),
            },
            COLUMNS,
        )


SPEC = Spec("carry-outs", "外出携带登记簿", "Register of carry-outs", COLUMNS, rows)
