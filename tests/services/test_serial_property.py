"""Property: serial numbers come out without gaps or duplicates per prefix and year,
whatever mix of committed and rolled-back receives produced them (R15)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.db import only_sqlite
from tracker.store.uow import SqlUnitOfWork

ops = st.lists(
    st.tuples(st.sampled_from(["JM", "MM"]), st.sampled_from([2026, 2027]), st.booleans()),
    min_size=1,
    max_size=25,
)


@only_sqlite
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ops)
def test_r15_serials_are_gapless_and_unique_per_prefix_and_year(
    uow_factory, engine, steps: list[tuple[str, int, bool]], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM serial_counters")
    got: dict[tuple[str, int], list[int]] = defaultdict(list)
    for prefix, year, commit in steps:
        uow: SqlUnitOfWork = uow_factory()
        with uow:
            n = uow.counters.next_serial(prefix, year)
            if commit:
                uow.commit()
                got[(prefix, year)].append(n)
    for numbers in got.values():
        assert numbers == list(range(1, len(numbers) + 1))
