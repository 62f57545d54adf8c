"""Every rule function of :mod:`tracker.domain.rules` by name: ``rN_something`` is tested
by ``test_rN_something`` here, and README.md's rule table names both. The first two
tests hold that to account: a rule function without its test, or missing from the
README, fails the suite."""

from __future__ import annotations

import inspect
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.factories import T0, carrier, person
from tracker.config import load_site
from tracker.domain import rules
from tracker.domain.disclosure import Handling, HandlingState
from tracker.domain.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import (
    AlertType,
    ApprovalState,
    Borrow,
    BorrowState,
    CarrierState,
    CarryOut,
    LossKind,
    Role,
    Severity,
)
from tracker.domain.period import SecrecyPeriod
from tracker.domain.rules import Authorizations, CustodyChanges

ROOT = Path(__file__).resolve().parents[2]
SITE = load_site(ROOT / "examples" / "site.toml")
P = {p.id: p for p in SITE.places}
SH = ZoneInfo("Asia/Shanghai")
RULE_NAME = re.compile(r"^r\d+_")


def rule_functions() -> list[str]:
    return sorted(
        name
        for name, fn in vars(rules).items()
        if RULE_NAME.match(name) and inspect.isfunction(fn) and fn.__name__ == name
    )


# Rules that carry no R-number: the approval workflow's and the separation of duties.
UNNUMBERED = (
    "decision_note",
    "require_approver",
    "require_may_decide",
    "require_not_self",
    "require_separation_of_duties",
)


def test_every_rule_function_has_a_test_of_the_same_name() -> None:
    here = vars(sys.modules[__name__])
    missing = [n for n in (*rule_functions(), *UNNUMBERED) if f"test_{n}" not in here]
    assert missing == []
    assert all(inspect.isfunction(getattr(rules, n)) for n in UNNUMBERED)
    rules_by_number = {int(n[1:].split("_")[0]) for n in rule_functions()}
    assert rules_by_number >= set(range(1, 20)), "every one of R1-R19 has a function"


def test_the_readme_rule_table_names_every_rule_function_and_its_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in (*rule_functions(), *UNNUMBERED):
        assert f"`{name}`" in readme, name
        assert f"`test_{name}`" in readme, name


def _borrow(c, state=BorrowState.OUT, **kw):  # type: ignore[no-untyped-def]
    base = {"circulation": None}
    base.update(kw)
    return Borrow(
        "b1",
        c.serial,
        "alice",
        "office-b",
        "read",
        T0,
        T0 + timedelta(hours=6),
        state=state,
        **base,
    )


def _carry_out(c, state=ApprovalState.APPROVED):  # type: ignore[no-untyped-def]
    return CarryOut(
        "co",
        (c.serial,),
        "alice",
        ("e1", "e2"),
        "上级机关",
        "送审",
        T0 - timedelta(hours=1),
        T0 + timedelta(hours=5),
        "carol",
        T0,
        "京A-12345",
        state,
        "ann",
    )


# --- R1, R2 --------------------------------------------------------------------------


def test_r1_authorized_places() -> None:
    c = carrier(level=Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    base = rules.r1_authorized_places(c, SITE.places, Authorizations())
    assert base == {"office-a", "safe-a", "reading", "secure"}
    auth = Authorizations((_borrow(c),))
    assert rules.r1_authorized_places(c, SITE.places, auth) == base | {"office-b"}
    top = carrier(level=Level.TOP_SECRET)  # read in the secure room only (R2)
    assert rules.r1_authorized_places(top, SITE.places, Authorizations()) == {"secure", "safe-s1"}


def test_r1_require_place_allows() -> None:
    rules.r1_require_place_allows(carrier(level=Level.CONFIDENTIAL), P["office-b"])
    with pytest.raises(RuleViolation, match="R1: office-b allows confidential"):
        rules.r1_require_place_allows(carrier(level=Level.SECRET), P["office-b"])
    with pytest.raises(RuleViolation, match="R1: outside allows nothing classified"):
        rules.r1_require_place_allows(carrier(level=Level.CONFIDENTIAL), P["outside"])


def test_r1_safe_below_level() -> None:
    assert rules.r1_safe_below_level(carrier(level=Level.SECRET), P["safe-a"]) is None
    f = rules.r1_safe_below_level(carrier(level=Level.TOP_SECRET), P["safe-a"])
    assert f is not None and (f.type, f.severity, f.rule) == (
        AlertType.UNAUTHORIZED_REMOVAL,
        Severity.CRITICAL,
        "R1",
    )
    assert f.details == {"place": "safe-a"} and "below its level" in f.message


def test_r1_passage_overstay() -> None:
    limit = timedelta(seconds=120)
    c = carrier(location="corridor", location_at=T0)
    assert rules.r1_passage_overstay(c, P["corridor"], T0 + limit, limit) is None
    f = rules.r1_passage_overstay(c, P["corridor"], T0 + limit + timedelta(seconds=1), limit)
    assert f is not None and f.rule == "R1" and "more than 120 s" in f.message
    gone = carrier(location="corridor", location_at=T0, state=CarrierState.DESTROYED)
    assert rules.r1_passage_overstay(gone, P["corridor"], T0 + 2 * limit, limit) is None
    assert rules.r1_passage_overstay(c, P["office-a"], T0 + 2 * limit, limit) is None


def test_r2_require_borrow_destination() -> None:
    with pytest.raises(RuleViolation, match="R2: top-secret carriers may not leave"):
        rules.r2_require_borrow_destination(carrier(level=Level.TOP_SECRET), P["reading"])
    rules.r2_require_borrow_destination(carrier(level=Level.TOP_SECRET), P["secure"])
    with pytest.raises(RuleViolation, match="R1: corridor is a passage"):
        rules.r2_require_borrow_destination(carrier(level=Level.INTERNAL), P["corridor"])
    with pytest.raises(RuleViolation, match="R1: office-b allows confidential"):
        rules.r2_require_borrow_destination(carrier(level=Level.SECRET), P["office-b"])


# --- R3 ------------------------------------------------------------------------------


def test_r3_may_know() -> None:
    c = carrier()  # scope: alice, the policy department
    assert rules.r3_may_know(person("carol", role=Role.CUSTODIAN, department="office"), c)
    assert rules.r3_may_know(person("alice", department="finance"), c)  # by name
    assert rules.r3_may_know(person("dave", department="policy"), c)  # by department
    assert not rules.r3_may_know(person("ann", role=Role.APPROVER, department="leaders"), c)


def test_r3_may_hold() -> None:
    c = carrier(level=Level.SECRET)
    assert rules.r3_may_hold(person("alice", Clearance.IMPORTANT), c)
    assert not rules.r3_may_hold(person("alice", Clearance.GENERAL), c)
    assert not rules.r3_may_hold(person("alice", active=False), c)
    assert not rules.r3_may_hold(person("bob", department="finance"), c)


def test_r3_require_may_hold() -> None:
    c = carrier(level=Level.SECRET)
    rules.r3_require_may_hold(person("alice"), c)
    with pytest.raises(RuleViolation, match="R3: alice has left the classified post"):
        rules.r3_require_may_hold(person("alice", active=False), c)
    with pytest.raises(RuleViolation, match="R12: alice's clearance"):
        rules.r3_require_may_hold(person("alice", Clearance.GENERAL), c, "R12")
    with pytest.raises(RuleViolation, match="R3: bob is not in the knowledge scope"):
        rules.r3_require_may_hold(person("bob", department="finance"), c)


# --- R4, R5 --------------------------------------------------------------------------


def test_r4_require_due_within() -> None:
    rules.r4_require_due_within(T0, T0 + timedelta(days=30), 30)
    with pytest.raises(InvalidInput, match="due_at"):
        rules.r4_require_due_within(T0, T0, 30)
    with pytest.raises(RuleViolation, match="R4: due time is more than 30 days away"):
        rules.r4_require_due_within(T0, T0 + timedelta(days=30, seconds=1), 30)


def test_r4_is_overdue() -> None:
    b = _borrow(carrier())
    assert not rules.r4_is_overdue(b, b.due_at)
    assert rules.r4_is_overdue(b, b.due_at + timedelta(seconds=1))
    assert not rules.r4_is_overdue(_borrow(carrier(), BorrowState.RETURNED), T0 + timedelta(1))


def test_r4_overdue() -> None:
    b = _borrow(carrier())
    assert rules.r4_overdue(b, b.due_at, SH) is None
    f = rules.r4_overdue(b, b.due_at + timedelta(minutes=1), SH)
    assert f is not None and (f.type, f.rule, f.severity) == (
        AlertType.OVERDUE_BORROW,
        "R4",
        Severity.WARNING,
    )
    assert "（11-24 16:00）" in f.zh and f.details["borrower"] == "alice"


def test_r5_require_with_custodian() -> None:
    rules.r5_require_with_custodian(carrier(state=CarrierState.IN_SAFE))
    rules.r5_require_with_custodian(carrier(state=CarrierState.REGISTERED))
    with pytest.raises(RuleViolation, match="R5: carrier JM-2026-000001 is out"):
        rules.r5_require_with_custodian(carrier(state=CarrierState.OUT))
    with pytest.raises(RuleViolation, match="R3: carrier JM-2026-000001 is missing"):
        rules.r5_require_with_custodian(carrier(state=CarrierState.MISSING))


def test_r5_sideways_pass() -> None:
    c = carrier(level=Level.CONFIDENTIAL)
    hop = Authorizations((_borrow(c, circulation="circ-1"),))
    assert rules.r5_sideways_pass(c, [person("alice")], hop) == []
    assert rules.r5_sideways_pass(c, [person("carol", role=Role.CUSTODIAN)], hop) == []
    (f,) = rules.r5_sideways_pass(c, [person("alice"), person("erin")], hop)
    assert (f.type, f.rule, f.details) == (AlertType.WRONG_HOLDER, "R5", {"person": "erin"})
    plain = Authorizations((_borrow(c),))  # not a circulation: R3 judges, not R5
    assert rules.r5_sideways_pass(c, [person("erin")], plain) == []


# --- R6, R7, R8 ----------------------------------------------------------------------


def test_r6_require_carry_out_escorts() -> None:
    top = carrier(level=Level.TOP_SECRET)
    rules.r6_require_carry_out_escorts([top], [person("e1"), person("e2")], "京A-1")
    rules.r6_require_carry_out_escorts([carrier(level=Level.SECRET)], [], "")
    with pytest.raises(RuleViolation, match="R6: top-secret transport needs 2 escorts"):
        rules.r6_require_carry_out_escorts([top], [person("e1"), person("e1")], "京A-1")
    with pytest.raises(RuleViolation, match="R6: top-secret transport needs a special vehicle"):
        rules.r6_require_carry_out_escorts([top], [person("e1"), person("e2")], "  ")


def test_r7_needs_locking_away() -> None:
    out = carrier(state=CarrierState.OUT)
    assert rules.r7_needs_locking_away(out, Authorizations(), T0)
    for state in (CarrierState.IN_SAFE, CarrierState.MISSING, CarrierState.DESTROYED):
        assert not rules.r7_needs_locking_away(carrier(state=state), Authorizations(), T0)
    away = carrier(state=CarrierState.IN_TRANSIT)
    assert not rules.r7_needs_locking_away(away, Authorizations(carry_outs=(_carry_out(away),)), T0)
    assert rules.r7_needs_locking_away(away, Authorizations(), T0)  # the carry-out ended


def test_r7_not_locked_away() -> None:
    assert (
        rules.r7_not_locked_away(carrier(state=CarrierState.IN_SAFE), Authorizations(), T0) is None
    )
    f = rules.r7_not_locked_away(
        carrier(state=CarrierState.OUT, location="reading", holder="alice"), Authorizations(), T0
    )
    assert f is not None and (f.type, f.rule) == (AlertType.NOT_LOCKED_AWAY, "R7")
    assert f.message.endswith("(last at reading, held by alice)")
    assert f.details == {"location": "reading", "holder": "alice", "close": T0.isoformat()}


def test_r8_require_copy_allowed() -> None:
    rules.r8_require_copy_allowed(carrier(level=Level.SECRET))
    with pytest.raises(RuleViolation, match="R8: top-secret carriers may not be copied"):
        rules.r8_require_copy_allowed(carrier(level=Level.TOP_SECRET))


# --- R9, R10, R11 --------------------------------------------------------------------

MONTHS = {"top_secret": 1, "secret": 3}


def test_r9_inventory_due() -> None:
    today = date(2026, 11, 24)
    assert rules.r9_inventory_due(Level.TOP_SECRET, None, MONTHS, today) == today
    last = date(2026, 10, 31)
    assert rules.r9_inventory_due(Level.TOP_SECRET, last, MONTHS, today) == date(2026, 11, 30)
    assert rules.r9_inventory_due(Level.CONFIDENTIAL, last, MONTHS, today) == date(2027, 1, 31)


def test_r9_inventory_overdue() -> None:
    today = date(2026, 11, 24)
    assert rules.r9_inventory_overdue(Level.SECRET, today + timedelta(1), today) is None
    f = rules.r9_inventory_overdue(Level.SECRET, today, today)
    assert f is not None and (f.type, f.rule, f.severity) == (
        AlertType.INVENTORY_DUE,
        "R9",
        Severity.INFO,
    )
    assert f.details == {"level": "secret", "due": "2026-11-24"}


def test_r10_require_witness() -> None:
    rules.r10_require_witness("carol", person("dave"))
    with pytest.raises(RuleViolation, match="R10: the requester may not witness"):
        rules.r10_require_witness("carol", person("carol"))
    with pytest.raises(RuleViolation, match="R10: dave is not on a classified post"):
        rules.r10_require_witness("carol", person("dave", active=False))


def test_r10_require_witnesses() -> None:
    rules.r10_require_witnesses("carol", ["dave", "erin"])
    with pytest.raises(RuleViolation, match="at least two distinct witnesses"):
        rules.r10_require_witnesses("carol", ["dave", "dave"])
    with pytest.raises(RuleViolation, match="the requester may not witness"):
        rules.r10_require_witnesses("carol", ["dave", "erin", "carol"])


def _expiring(on: date):  # type: ignore[no-untyped-def]
    return carrier(period=SecrecyPeriod.years(1), classified_on=on.replace(year=on.year - 1))


def test_r11_declassification_due() -> None:
    c = _expiring(date(2026, 12, 10))
    assert rules.r11_declassification_due(c, date(2026, 11, 24), 30)
    assert not rules.r11_declassification_due(c, date(2026, 11, 1), 30)  # beyond the window
    assert not rules.r11_declassification_due(c, date(2026, 12, 10), 30)  # ended: expired
    assert not rules.r11_declassification_due(
        carrier(period=SecrecyPeriod.long_term()), T0.date(), 30
    )


def test_r11_declassification_notice() -> None:
    c = _expiring(date(2026, 12, 10))
    assert rules.r11_declassification_notice(c, date(2026, 11, 1), 30) is None
    f = rules.r11_declassification_notice(c, date(2026, 11, 24), 30)
    assert f is not None and (f.type, f.rule) == (AlertType.DECLASSIFICATION_DUE, "R11")
    assert "将于 2026-12-10 保密期限届满" in f.zh and "机密★1年" in f.zh


def test_r11_expired() -> None:
    c = _expiring(date(2026, 12, 10))
    assert not rules.r11_expired(c, date(2026, 12, 9))
    assert rules.r11_expired(c, date(2026, 12, 10))
    assert not rules.r11_expired(
        carrier(
            period=SecrecyPeriod.years(1),
            classified_on=date(2020, 1, 1),
            state=CarrierState.DECLASSIFIED,
        ),
        date(2026, 12, 10),
    )


# --- R12, R13, R14, R15 --------------------------------------------------------------


def test_r12_decommission_until() -> None:
    left = date(2026, 11, 24)
    years = {Clearance.CORE: 2029, Clearance.IMPORTANT: 2028, Clearance.GENERAL: 2027}
    for clearance, year in years.items():
        assert rules.r12_decommission_until(person(clearance=clearance), left) == date(year, 11, 24)


def test_r12_require_no_holdings() -> None:
    rules.r12_require_no_holdings(person(), [])
    with pytest.raises(RuleViolation, match="R12: alice still holds 2 carrier.*JM-1, JM-2"):
        rules.r12_require_no_holdings(person(), ["JM-1", "JM-2"])


def test_r13_loss_report_late() -> None:
    hour = timedelta(hours=1)
    assert not rules.r13_loss_report_late(LossKind.THEFT, T0, T0 + hour)
    assert rules.r13_loss_report_late(LossKind.THEFT, T0, T0 + hour + timedelta(seconds=1))
    assert not rules.r13_loss_report_late(LossKind.COMPUTER_LEAK, T0, T0 + 24 * hour)
    assert rules.r13_loss_report_late(LossKind.COMPUTER_LEAK, T0, T0 + 25 * hour)


def test_r14_require_register_entry() -> None:
    def changes(carriers=(), requests=(), recorded=(), entries=0):  # type: ignore[no-untyped-def]
        return CustodyChanges(
            frozenset(carriers), frozenset(requests), frozenset(recorded), entries
        )

    rules.r14_require_register_entry(changes({"JM-1"}, (), {"JM-1", "JM-2"}, 2))
    rules.r14_require_register_entry(changes((), ["borrows:b1"], (), 1))
    rules.r14_require_register_entry(changes())  # nothing changed, nothing owed
    with pytest.raises(RuleViolation, match="R14: the custody of JM-2 changed"):
        rules.r14_require_register_entry(changes({"JM-1", "JM-2"}, (), {"JM-1"}, 1))
    with pytest.raises(RuleViolation, match="R14: the state of borrows:b1 changed"):
        rules.r14_require_register_entry(changes((), ["borrows:b1"], (), 0))


def test_r15_require_count() -> None:
    rules.r15_require_count(3, 3)
    with pytest.raises(RuleViolation, match="R15: counted 2 carriers but the dispatch list says 3"):
        rules.r15_require_count(2, 3)


# --- R16: the disclosure record -------------------------------------------------------


def test_r16_kept_for() -> None:
    assert rules.r16_kept_for(carrier(level=Level.TOP_SECRET))
    for level in (Level.SECRET, Level.CONFIDENTIAL, Level.INTERNAL):
        assert not rules.r16_kept_for(carrier(level=level))


def test_r16_require_reading() -> None:
    top = carrier(level=Level.TOP_SECRET, state=CarrierState.IN_SAFE)
    rules.r16_require_reading(top, person("alice"), P["secure"])
    rules.r16_require_reading(
        carrier(level=Level.TOP_SECRET, state=CarrierState.REGISTERED), person("alice"), P["secure"]
    )
    lent = carrier(level=Level.TOP_SECRET, state=CarrierState.OUT, holder="alice")
    rules.r16_require_reading(lent, person("alice"), P["secure"])  # the borrower reads it
    with pytest.raises(Conflict, match="JM-2026-000001 is out, not in the custodian's keeping"):
        rules.r16_require_reading(lent, person("dave"), P["secure"])
    with pytest.raises(RuleViolation, match="R16: reading sessions are recorded for top-secret"):
        rules.r16_require_reading(carrier(level=Level.SECRET), person("alice"), P["secure"])
    with pytest.raises(RuleViolation, match="R2: top-secret carriers are read inside"):
        rules.r16_require_reading(top, person("alice"), P["reading"])
    with pytest.raises(RuleViolation, match="R3: alice's clearance"):
        rules.r16_require_reading(top, person("alice", Clearance.IMPORTANT), P["secure"])
    with pytest.raises(RuleViolation, match="R3: bob is not in the knowledge scope"):
        rules.r16_require_reading(top, person("bob", department="finance"), P["secure"])
    gone = carrier(level=Level.TOP_SECRET, state=CarrierState.MISSING)
    with pytest.raises(Conflict, match="is missing"):
        rules.r16_require_reading(gone, person("alice"), P["secure"])


def test_r16_desk_reader() -> None:
    top = carrier(level=Level.TOP_SECRET)
    assert rules.r16_desk_reader(top, person("alice"), "desk-secure") is None
    assert rules.r16_desk_reader(carrier(), person("bob", department="finance"), "d") is None
    f = rules.r16_desk_reader(top, person("alice", Clearance.IMPORTANT), "desk-secure")
    assert f is not None and (f.type, f.severity, f.rule) == (
        AlertType.WRONG_HOLDER,
        Severity.CRITICAL,
        "R3",
    )
    assert f.details == {"person": "alice", "desk": "desk-secure"} and "desk-secure" in f.zh


def test_r16_unrecorded_contact() -> None:
    top = carrier(level=Level.TOP_SECRET, state=CarrierState.REGISTERED)
    alice, dave = person("alice"), person("dave")
    (f,) = rules.r16_unrecorded_contact(top, [alice], Authorizations(), ())
    assert (f.type, f.severity, f.rule, f.details) == (
        AlertType.UNRECORDED_CONTACT,
        Severity.WARNING,
        "R16",
        {"person": "alice"},
    )
    assert "JM-2026-000001" in f.message and "Alice" in f.zh
    # An open reading session, a borrow out to them, or a carry-out naming them accounts.
    assert rules.r16_unrecorded_contact(top, [alice], Authorizations(), {"alice"}) == []
    assert rules.r16_unrecorded_contact(top, [alice], Authorizations((_borrow(top),)), ()) == []
    escorted = Authorizations(carry_outs=(_carry_out(top),))
    assert rules.r16_unrecorded_contact(top, [alice, person("e1")], escorted, ()) == []
    (g,) = rules.r16_unrecorded_contact(top, [alice, dave], escorted, ())
    assert g.details == {"person": "dave"} and (f.key, g.key) == (":alice", ":dave")  # one each
    # Keepers carry carriers as their work; those who may not hold it at all are R3's.
    carol = person("carol", role=Role.CUSTODIAN, department="office")
    assert rules.r16_unrecorded_contact(top, [carol], Authorizations(), ()) == []
    outsider = person("bob", department="finance")
    assert rules.r16_unrecorded_contact(top, [outsider], Authorizations(), ()) == []
    # Only top secret is recorded.
    assert rules.r16_unrecorded_contact(carrier(), [alice], Authorizations(), ()) == []


# --- R18: three-day handling -----------------------------------------------------------


def _handling(due: datetime, state: HandlingState = HandlingState.OPEN) -> Handling:
    return Handling("h1", "JM-2026-000001", T0, due, "carol", state)


def test_r18_handling_due() -> None:
    cal = SITE.calendar
    # Received Tuesday: Wednesday, Thursday, Friday; handled by Friday's close.
    assert rules.r18_handling_due(date(2026, 11, 24), cal) == datetime(
        2026, 11, 27, 17, 30, tzinfo=SH
    )
    # Received Friday: the weekend does not count.
    assert rules.r18_handling_due(date(2026, 11, 27), cal) == datetime(
        2026, 12, 2, 17, 30, tzinfo=SH
    )
    # Received on the eve of the National Day holidays: 1-7 October are not working
    # days, Saturday 10 October is a make-up working day (调休) and is the third.
    assert rules.r18_handling_due(date(2026, 9, 30), cal) == datetime(
        2026, 10, 10, 17, 30, tzinfo=SH
    )
    # Received on a Sunday: Monday is the first day.
    assert rules.r18_handling_due(date(2026, 11, 29), cal, days=1) == datetime(
        2026, 11, 30, 17, 30, tzinfo=SH
    )


def test_r18_require_secure_room() -> None:
    rules.r18_require_secure_room(Level.TOP_SECRET, P["secure"])
    rules.r18_require_secure_room(Level.SECRET, P["office-a"])
    with pytest.raises(
        RuleViolation, match="R18: top-secret documents are kept in the secure room"
    ):
        rules.r18_require_secure_room(Level.TOP_SECRET, P["office-a"])


def test_r18_remind_from() -> None:
    cal = SITE.calendar
    friday = datetime(2026, 11, 27, 17, 30, tzinfo=SH)
    assert rules.r18_remind_from(friday, cal) == datetime(2026, 11, 26, 8, 30, tzinfo=SH)
    assert rules.r18_remind_from(friday, cal, 0) == datetime(2026, 11, 27, 8, 30, tzinfo=SH)
    monday = datetime(2026, 11, 30, 17, 30, tzinfo=SH)  # the day before is a Sunday
    assert rules.r18_remind_from(monday, cal) == datetime(2026, 11, 27, 8, 30, tzinfo=SH)
    assert rules.r18_remind_from(monday, cal, 2) == datetime(2026, 11, 26, 8, 30, tzinfo=SH)


def test_r18_due_soon() -> None:
    cal = SITE.calendar
    due = datetime(2026, 11, 27, 17, 30, tzinfo=SH)
    h = _handling(due)
    assert rules.r18_due_soon(h, datetime(2026, 11, 26, 8, 29, tzinfo=SH), cal) is None
    f = rules.r18_due_soon(h, datetime(2026, 11, 26, 8, 30, tzinfo=SH), cal)
    assert f is not None and (f.type, f.severity, f.rule) == (
        AlertType.HANDLING_DUE,
        Severity.INFO,
        "R18",
    )
    assert "11-27 17:30" in f.zh and f.details == {"handling": "h1", "due_at": due.isoformat()}
    assert rules.r18_due_soon(h, due, cal) is not None
    assert rules.r18_due_soon(h, due + timedelta(seconds=1), cal) is None  # overdue now
    done = _handling(due, HandlingState.DONE)
    assert rules.r18_due_soon(done, due - timedelta(hours=1), cal) is None


def test_r18_overdue() -> None:
    cal = SITE.calendar
    due = datetime(2026, 11, 27, 17, 30, tzinfo=SH)
    assert rules.r18_overdue(_handling(due), due, cal) is None
    f = rules.r18_overdue(_handling(due), due + timedelta(minutes=5), cal)
    assert f is not None and (f.type, f.severity, f.rule) == (
        AlertType.HANDLING_OVERDUE,
        Severity.WARNING,
        "R18",
    )
    assert "（11-27 17:30）" in f.zh
    instructed = _handling(due, HandlingState.INSTRUCTED)  # instructions alone do not handle it
    assert rules.r18_overdue(instructed, due + timedelta(days=1), cal) is not None
    assert (
        rules.r18_overdue(_handling(due, HandlingState.DONE), due + timedelta(days=1), cal) is None
    )


# --- the decision rules of the one approval workflow ----------------------------------


def test_decision_note() -> None:
    assert rules.decision_note(True, "  同意 ") == "同意"
    assert rules.decision_note(True, "") == ""
    assert rules.decision_note(False, " 不必要 ") == "不必要"
    with pytest.raises(InvalidInput, match="note"):
        rules.decision_note(False, "  ")


def test_require_may_decide() -> None:
    ann = person("ann", role=Role.APPROVER, department="leaders")
    rules.require_may_decide("R8", ann, [Level.TOP_SECRET], own=["carol"])
    with pytest.raises(PermissionDenied):
        rules.require_may_decide("R8", person("alice"), [], own=[])
    with pytest.raises(PermissionDenied):
        rules.require_may_decide("R8", person("ann", role=Role.APPROVER, active=False), [], own=[])
    with pytest.raises(RuleViolation, match="R8: ann may not approve their own request"):
        rules.require_may_decide("R8", ann, [], own=["carol", "ann"])
    with pytest.raises(RuleViolation, match="R6: an approver may not approve a carry-out they"):
        rules.require_may_decide("R6", ann, [], own=[], takes_part=["ann"], what="carry-out")
    low = person("gina", Clearance.IMPORTANT, Role.APPROVER)
    rules.require_may_decide("R10", low, [Level.SECRET, Level.CONFIDENTIAL], own=[])
    with pytest.raises(RuleViolation, match="R10: gina's clearance .important. does not cover top"):
        rules.require_may_decide("R10", low, [Level.SECRET, Level.TOP_SECRET], own=[])


def test_require_not_self() -> None:
    rules.require_not_self("ann", "carol", "approve", "R8", "审批")
    with pytest.raises(RuleViolation, match="R10: oscar may not witness their own request") as e:
        rules.require_not_self("oscar", "oscar", "witness", "R10", "见证")
    assert e.value.rule == "R10" and "见证本人" in e.value.zh


def test_require_separation_of_duties() -> None:
    admins = sorted((r for r in Role if r.administrator), key=lambda r: r.value)
    business = [r for r in Role if not r.administrator]
    rules.require_separation_of_duties(set())
    rules.require_separation_of_duties(business)  # business roles may go together
    for a in admins:
        rules.require_separation_of_duties({a})  # each administrator alone is fine
        for b in admins:
            if b is not a:
                with pytest.raises(RuleViolation, match="SoD: nobody may be both") as err:
                    rules.require_separation_of_duties({a, b})
                assert "三员分立" in err.value.zh
        for b in business:
            with pytest.raises(
                RuleViolation, match=f"SoD: a {a.value} may not also be a {b.value}"
            ):
                rules.require_separation_of_duties({a, b})


def test_require_approver() -> None:
    rules.require_approver(person("oscar", role=Role.OFFICER))
    with pytest.raises(PermissionDenied, match="carol is a custodian"):
        rules.require_approver(person("carol", role=Role.CUSTODIAN))


# --- R17, R19: in their own module, run here ---------------------------------------------

from tests.domain.rules_r17_r19 import *  # noqa: E402, F403
