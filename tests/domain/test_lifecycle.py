"""The carrier lifecycle: one table (state × step → state). A forbidden step raises an
error naming both states and the rule and changes nothing; observations never raise;
random sequences of steps keep the invariants (destroyed is final, a carrier out has a
holder, a carrier in a safe or with the custodian has none, a destroyed one is nowhere).
The table in docs/ARCHITECTURE.md is the table in the code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import T0, carrier
from tracker.domain import lifecycle
from tracker.domain.errors import Conflict, ForbiddenTransition
from tracker.domain.lifecycle import TABLE, Step
from tracker.domain.model import Carrier, CarrierState

S = CarrierState
ROOT = Path(__file__).resolve().parents[2]
OBSERVED = (Step.SEEN_IN_SAFE, Step.TAKEN_OUT, Step.DEPART)


def fresh() -> Carrier:
    return carrier(state=S.REGISTERED, location="secure", holder=None)


def do(c: Carrier, step: Step) -> None:
    """Take ``step`` the way the services do."""
    if step is Step.DEPART:  # the person carrying it out holds it
        lifecycle.observe(c, step, holder=c.holder or "alice")
        return
    if step is Step.SEEN_IN_SAFE:
        lifecycle.observe(c, step, holder=None)
        return
    if step is Step.TAKEN_OUT:
        lifecycle.observe(c, step)
        return
    {
        Step.STORE: lambda: lifecycle.store(c, "safe-s1", T0),
        Step.CHECK_OUT: lambda: lifecycle.check_out(c, "alice", "secure", T0),
        Step.RETURN: lambda: lifecycle.give_back(c),
        Step.HAND_OVER: lambda: lifecycle.hand_over(c, "erin"),
        Step.COME_BACK: lambda: lifecycle.take(c, Step.COME_BACK, holder=None),
        Step.REPORT_MISSING: lambda: lifecycle.report_missing(c),
        Step.FOUND: lambda: lifecycle.found(c, T0),
        Step.ARCHIVE: lambda: lifecycle.take(c, Step.ARCHIVE),
        Step.DECLASSIFY: lambda: lifecycle.declassify(c),
        Step.DESTROY: lambda: lifecycle.destroy(c, T0),
    }[step]()


def test_destroyed_is_final_and_every_other_state_has_a_way_on() -> None:
    assert not any(S.DESTROYED in t.sources for t in TABLE.values())
    for state in S:
        if state is not S.DESTROYED:
            assert any(state in t.sources for t in TABLE.values()), state
    assert set(TABLE) == set(Step)


def test_a_forbidden_step_names_both_states_and_the_rule_and_changes_nothing() -> None:
    c = replace(fresh(), state=S.OUT, holder="alice")
    before = replace(c)
    with pytest.raises(ForbiddenTransition) as err:
        lifecycle.destroy(c, T0)
    e = err.value
    assert isinstance(e, Conflict) and e.rule == "R10"
    assert (e.state, e.target, e.step) == ("out", "destroyed", "destroy")
    assert str(e).startswith("R10: carrier JM-2026-000001 is out, not registered or in_safe")
    assert "to destroyed, never from out" in str(e)
    assert "借出" in e.zh and "已销毁" in e.zh
    assert c == before


def test_observations_never_raise_and_leave_a_state_they_do_not_fit() -> None:
    c = replace(fresh(), state=S.DESTROYED, location=None)
    for step in OBSERVED:
        assert lifecycle.observe(c, step) is False
    assert c.state is S.DESTROYED
    c = replace(fresh(), state=S.IN_SAFE, location="safe-s1")
    assert lifecycle.observe(c, Step.TAKEN_OUT) is True and c.state is S.REGISTERED


def test_coming_back_from_a_carry_out_leaves_a_carrier_that_was_not_away() -> None:
    c = replace(fresh(), state=S.MISSING)
    assert lifecycle.come_back(c) is False and c.state is S.MISSING
    c = replace(fresh(), state=S.IN_TRANSIT, holder="alice")
    assert lifecycle.come_back(c) is True and (c.state, c.holder) == (S.REGISTERED, None)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(list(Step)), max_size=40))
def test_random_steps_keep_the_invariants(steps: list[Step]) -> None:
    c = fresh()
    for step in steps:
        before = replace(c)
        try:
            do(c, step)
        except ForbiddenTransition as e:
            assert not lifecycle.allows(before.state, step)
            assert step not in OBSERVED  # observations are never refused
            assert (e.state, e.step) == (before.state.value, step.value)
            assert c == before  # a refused step changes nothing
        else:
            moved = c.state is not before.state
            assert not moved or lifecycle.allows(before.state, step)
        if before.state is S.DESTROYED:
            assert c.state is S.DESTROYED
        if c.state in (S.OUT, S.IN_TRANSIT):
            assert c.holder is not None
        if c.state in (S.IN_SAFE, S.REGISTERED):
            assert c.holder is None
        if c.state is S.DESTROYED:
            assert (c.location, c.holder) == (None, None)


def _markdown() -> str:
    """The table as documented: a row per step, a column per state it starts from."""
    header = "| step (rule) | " + " | ".join(f"`{s.value}`" for s in S) + " |"
    rows = [header, "| --- |" + " --- |" * len(S)]
    for step in Step:
        t = TABLE[step]
        cells = [
            ("=" if t.target is None else t.target.value) if state in t.sources else "—"
            for state in S
        ]
        rows.append(f"| `{step.value}` ({t.rule}) | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def test_the_documented_table_is_the_table_in_the_code() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert _markdown() in doc, "docs/ARCHITECTURE.md's lifecycle table differs:\n" + _markdown()
