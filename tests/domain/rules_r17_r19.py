"""The rule functions of R17 (classified meetings) and R19 (holiday sealing), each tested
by a test of its own name. ``test_rule_functions.py`` imports these, so they run there,
where the check that every rule function has its test looks for them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.factories import T0, carrier, person
from tracker.config import load_site
from tracker.domain import rules
from tracker.domain.calendar import WorkingCalendar
from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Clearance, Level
from tracker.domain.meetings import Handout, HandoutState, Meeting, MeetingState
from tracker.domain.model import (
    AlertType,
    Borrow,
    BorrowState,
    CarrierState,
    KnowledgeScope,
    Place,
    PlaceKind,
    RoomKind,
    Severity,
)
from tracker.domain.rules import Authorizations
from tracker.domain.seals import Seal, SealState

SITE = load_site(Path(__file__).resolve().parents[2] / "examples" / "site.toml")
P = {p.id: p for p in SITE.places}
SH = ZoneInfo("Asia/Shanghai")


def _meeting(level: Level = Level.SECRET, room: str = "reading", **kw):  # type: ignore[no-untyped-def]
    base = {"attendees": ("alice",), "materials": ("JM-2026-000001",)}
    base.update(kw)
    return Meeting(
        "m1", "季度工作会", room, level, T0, T0 + timedelta(hours=2), "carol", T0, **base
    )


def _handout(**kw):  # type: ignore[no-untyped-def]
    return Handout("h1", "m1", "JM-2026-000001", "alice", "reading", T0, "carol", **kw)


# --- R17 -------------------------------------------------------------------------------


def test_r17_require_meeting_room() -> None:
    rules.r17_require_meeting_room(P["reading"], Level.SECRET)
    rules.r17_require_meeting_room(P["secure"], Level.TOP_SECRET)
    with pytest.raises(
        RuleViolation, match="R17: office-b allows confidential; the meeting is secret"
    ):
        rules.r17_require_meeting_room(P["office-b"], Level.SECRET)
    with pytest.raises(
        RuleViolation, match="R17: reading allows secret; the meeting is top_secret"
    ):
        rules.r17_require_meeting_room(P["reading"], Level.TOP_SECRET)
    hall = Place("hall", PlaceKind.ROOM, "会议厅", "main", Level.TOP_SECRET, RoomKind.OFFICE)
    with pytest.raises(RuleViolation, match="R17: a top-secret meeting is held in the secure room"):
        rules.r17_require_meeting_room(hall, Level.TOP_SECRET)
    for not_a_room in ("corridor", "outside", "safe-s1"):
        with pytest.raises(RuleViolation, match=f"R17: {not_a_room} is not a room"):
            rules.r17_require_meeting_room(P[not_a_room], Level.CONFIDENTIAL)


def test_r17_require_attendee() -> None:
    m = _meeting()
    secret = carrier()  # scope: alice and the policy department
    rules.r17_require_attendee(person("alice"), m, [secret])
    rules.r17_require_attendee(person("erin", Clearance.IMPORTANT), m, [secret])
    with pytest.raises(RuleViolation, match="R17: dave's clearance \\(general\\) does not cover"):
        rules.r17_require_attendee(person("dave", Clearance.GENERAL), m, [])
    outsider = person("bob", Clearance.IMPORTANT, department="finance")
    rules.r17_require_attendee(outsider, m, [])  # nothing planned yet: clearance only
    with pytest.raises(RuleViolation, match="R17: bob is not in the knowledge scope"):
        rules.r17_require_attendee(outsider, m, [secret])
    with pytest.raises(RuleViolation, match="R17: alice has left the classified post"):
        rules.r17_require_attendee(person("alice", active=False), m, [])


def test_r17_require_material() -> None:
    m = _meeting(Level.SECRET)
    alice, bob = person("alice"), person("bob", Clearance.IMPORTANT, department="finance")
    rules.r17_require_material(carrier(), m, [alice])
    with pytest.raises(RuleViolation, match="above the meeting's secret"):
        rules.r17_require_material(carrier(level=Level.TOP_SECRET), m, [alice])
    with pytest.raises(RuleViolation, match="R17: bob may not hold carrier JM-2026-000001"):
        rules.r17_require_material(carrier(), m, [alice, bob])
    with pytest.raises(RuleViolation, match="is destroyed"):
        rules.r17_require_material(carrier(state=CarrierState.DESTROYED), m, [])


def test_r17_require_handout() -> None:
    m, c, alice = _meeting(), carrier(), person("alice")
    at = T0 + timedelta(minutes=5)
    rules.r17_require_handout(m, c, alice, [], at)
    with pytest.raises(RuleViolation, match="already handed out to alice"):
        rules.r17_require_handout(m, c, alice, [_handout()], at)
    rules.r17_require_handout(m, c, alice, [_handout(state=HandoutState.COLLECTED)], at)
    with pytest.raises(RuleViolation, match="erin is not an attendee"):
        rules.r17_require_handout(m, c, person("erin", Clearance.IMPORTANT), [], at)
    with pytest.raises(RuleViolation, match="JM-2026-000002 is not a material"):
        rules.r17_require_handout(m, carrier("JM-2026-000002"), alice, [], at)
    with pytest.raises(RuleViolation, match="over"):
        rules.r17_require_handout(m, c, alice, [], m.ends_at)
    ended = _meeting(state=MeetingState.ENDED)
    with pytest.raises(RuleViolation, match="the meeting is ended"):
        rules.r17_require_handout(ended, c, alice, [], at)
    # an attendee whose scope no longer covers it (R3 checked again at the desk)
    narrowed = carrier(scope=KnowledgeScope(frozenset({"bob"})))
    with pytest.raises(RuleViolation, match="R17: alice is not in the knowledge scope"):
        rules.r17_require_handout(m, narrowed, alice, [], at)


def test_r17_not_collected() -> None:
    m, alice = _meeting(), person("alice")
    f = rules.r17_not_collected(m, _handout(), alice)
    assert f is not None
    assert (f.type, f.severity, f.rule) == (AlertType.NOT_COLLECTED, Severity.CRITICAL, "R17")
    assert "handed to alice" in f.message and "Alice（alice）" in f.zh
    assert f.details["attendee"] == f.details["borrower"] == "alice"
    assert "季度" not in f.message + f.zh  # the meeting's name never travels
    assert rules.r17_not_collected(m, _handout(state=HandoutState.COLLECTED), alice) is None


def test_r17_left_behind() -> None:
    m = _meeting()
    c = carrier(location="reading", state=CarrierState.REGISTERED)
    f = rules.r17_left_behind(m, c, Authorizations())
    assert f is not None and (f.type, f.rule) == (AlertType.LEFT_BEHIND, "R17")
    assert "left behind in reading" in f.message and f.details["meeting"] == "m1"
    borrow = Borrow(
        "b1",
        c.serial,
        "erin",
        "reading",
        "阅办",
        T0,
        T0 + timedelta(hours=6),
        state=BorrowState.OUT,
    )
    assert rules.r17_left_behind(m, c, Authorizations((borrow,))) is None
    other = Meeting("m2", "x", "reading", Level.SECRET, T0, T0 + timedelta(hours=4), "carol", T0)
    assert rules.r17_left_behind(m, c, Authorizations(meetings=(other,))) is None
    gone = carrier(location="reading", state=CarrierState.DESTROYED)
    assert rules.r17_left_behind(m, gone, Authorizations()) is None


def test_r17_sweep_due() -> None:
    after = timedelta(minutes=15)
    m = _meeting()
    assert not rules.r17_sweep_due(m, T0 + timedelta(days=1), after)  # not ended
    m.state, m.ended_at = MeetingState.ENDED, T0 + timedelta(hours=2)
    assert not rules.r17_sweep_due(m, m.ended_at + timedelta(minutes=14), after)
    assert rules.r17_sweep_due(m, m.ended_at + after, after)
    m.swept_at = m.ended_at + after
    assert not rules.r17_sweep_due(m, m.ended_at + timedelta(hours=1), after)


# --- R19 -------------------------------------------------------------------------------

# National Day 2026 as the example site has it: 1, 2, 5, 6, 7 October off (3-4 are a
# weekend), Saturday 10 October a make-up working day; New Year's Day on a Friday.
CAL = SITE.calendar


def test_r19_holiday_periods() -> None:
    found = rules.r19_holiday_periods(CAL, date(2026, 9, 1), date(2027, 1, 31))
    assert [(p.first, p.last) for p in found] == [
        (date(2026, 10, 1), date(2026, 10, 7)),
        (date(2027, 1, 1), date(2027, 1, 3)),  # Friday's holiday takes the weekend with it
    ]
    national = found[0]
    assert national.seal_at == datetime(2026, 9, 30, 17, 30, tzinfo=SH)  # Wednesday's close
    assert national.unseal_at == datetime(2026, 10, 8, 8, 30, tzinfo=SH)  # Thursday's opening
    assert national.key == "2026-10-01/2026-10-07"
    # ordinary weekends are no holiday; a window starting inside a period still finds it
    assert rules.r19_holiday_periods(CAL, date(2026, 11, 1), date(2026, 11, 30)) == []
    assert rules.r19_holiday_periods(CAL, date(2026, 10, 5), date(2026, 10, 5)) == [national]
    none = WorkingCalendar()
    assert rules.r19_holiday_periods(none, date(2026, 1, 1), date(2026, 12, 31)) == []


def test_r19_safes_to_seal() -> None:
    assert [p.id for p in rules.r19_safes_to_seal(SITE.places)] == ["safe-s1", "safe-s2"]


def _seal(**kw):  # type: ignore[no-untyped-def]
    base = {"holiday": "2026-10-01/2026-10-07"}
    base.update(kw)
    return Seal("s1", "safe-s1", T0, "system", ("JM-2026-000001",), "节假日封存", **base)


def test_r19_seal_broken() -> None:
    f = rules.r19_seal_broken(_seal(), carrier())
    assert f is not None
    assert (f.type, f.severity, f.rule) == (AlertType.SEAL_BROKEN, Severity.CRITICAL, "R19")
    assert "left safe safe-s1, which is sealed for the holiday 2026-10-01/2026-10-07" in f.message
    assert f.details == {"safe": "safe-s1", "seal": "s1"}
    assert "已封存" in rules.r19_seal_broken(_seal(holiday=""), carrier()).zh  # type: ignore[union-attr]
    assert rules.r19_seal_broken(_seal(state=SealState.UNSEALED), carrier()) is None


def test_r19_compare() -> None:
    assert rules.r19_compare(["a", "b", "c"], ["c", "b", "d"]) == (("a",), ("d",))
    assert rules.r19_compare(["a"], ["a"]) == ((), ())
    assert rules.r19_compare([], ["x", "a"]) == ((), ("a", "x"))


def test_r19_unseal_findings() -> None:
    seal = _seal(missing=("JM-2026-000001",), added=("JM-2026-000009",))
    missing, added = rules.r19_unseal_findings(seal)
    assert (missing.type, missing.severity, missing.rule) == (
        AlertType.SEAL_MISMATCH,
        Severity.CRITICAL,
        "R19",
    )
    assert missing.details["difference"] == "missing" and "is not there" in missing.message
    assert added.severity is Severity.WARNING and added.details["carrier"] == "JM-2026-000009"
    assert rules.r19_unseal_findings(_seal()) == []
