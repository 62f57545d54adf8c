"""The rules as pure functions; each test is named after its rule."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.factories import T0, carrier, person
from tracker.config import load_site
from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import (
    ADMIN_ROLES,
    BUSINESS_ROLES,
    AlertType,
    ApprovalState,
    Borrow,
    BorrowState,
    CarrierState,
    CarryOut,
    LossKind,
    Role,
)
from tracker.domain.period import SecrecyPeriod
from tracker.domain.rules import (
    Authorizations,
    authorized_places,
    declassification_due,
    decommission_until,
    evaluate_crossing,
    expired,
    inventory_due,
    loss_report_late,
    may_know,
    needs_locking_away,
    require_borrow_destination,
    require_carry_out_escorts,
    require_copy_allowed,
    require_may_hold,
    require_no_holdings,
    require_separation_of_duties,
    require_witnesses,
)

SITE = load_site(Path(__file__).resolve().parents[2] / "examples" / "site.toml")
P = {p.id: p for p in SITE.places}


NO_AUTH = Authorizations()


def crossing(c, frm, to, people=(), auth=NO_AUTH, exit_door=False):  # type: ignore[no-untyped-def]
    return evaluate_crossing(c, P[frm], P[to], exit_door, list(people), SITE.places, auth, T0)


def borrow_out(c, borrower="alice", dest="office-a"):  # type: ignore[no-untyped-def]
    return Borrow(
        "b1", c.serial, borrower, dest, "read", T0, T0 + timedelta(hours=6), state=BorrowState.OUT
    )


def test_r1_secret_carrier_into_a_confidential_office_is_unauthorized_removal() -> None:
    c = carrier(level=Level.SECRET)
    f = crossing(
        c, "corridor", "office-b", [person()], Authorizations((borrow_out(c, dest="office-b"),))
    )
    assert [(x.type, x.rule) for x in f] == [(AlertType.UNAUTHORIZED_REMOVAL, "R1")]


def test_r1_carrier_into_a_room_outside_its_authorized_places_is_flagged() -> None:
    c = carrier(level=Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    assert [x.rule for x in crossing(c, "corridor", "office-b")] == ["R1"]


def test_r1_borrow_destination_and_home_are_authorized_and_passages_are_crossed() -> None:
    c = carrier(level=Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    auth = Authorizations((borrow_out(c, dest="office-b"),))
    assert authorized_places(c, SITE.places, auth) >= {"office-a", "safe-a", "office-b", "reading"}
    assert crossing(c, "corridor", "office-b", [person()], auth) == []
    assert crossing(c, "office-a", "corridor", [person()], auth) == []


def test_r2_top_secret_leaving_the_secure_room_is_critical() -> None:
    c = carrier(level=Level.TOP_SECRET)
    f = crossing(c, "secure", "corridor", [person()])
    assert [(x.type, x.rule, x.severity.value) for x in f] == [
        (AlertType.UNAUTHORIZED_REMOVAL, "R2", "critical")
    ]


def test_r2_top_secret_may_not_be_borrowed_out_of_the_secure_room() -> None:
    c = carrier(level=Level.TOP_SECRET)
    with pytest.raises(
        RuleViolation, match="R2: top-secret carriers may not leave the secure room"
    ):
        require_borrow_destination(c, P["reading"])
    require_borrow_destination(c, P["secure"])


def test_r3_clearance_and_scope_both_needed() -> None:
    c = carrier(level=Level.SECRET)
    require_may_hold(person("alice", Clearance.IMPORTANT), c)
    with pytest.raises(RuleViolation, match="R3:.*clearance"):
        require_may_hold(person("alice", Clearance.GENERAL), c)
    with pytest.raises(RuleViolation, match="R3:.*knowledge scope"):
        require_may_hold(person("bob", Clearance.CORE, department="finance"), c)


def test_r3_custodians_may_know_every_title_staff_only_their_scope() -> None:
    c = carrier()
    assert may_know(person("carol", role=Role.CUSTODIAN, department="office"), c)
    assert not may_know(person("bob", department="finance"), c)
    assert may_know(person("dave", department="policy"), c)  # by department


def test_r3_carrier_moving_with_someone_outside_its_scope_is_wrong_holder() -> None:
    c = carrier(level=Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    f = crossing(c, "office-a", "corridor", [person("bob", department="finance")])
    assert [(x.type, x.rule) for x in f] == [(AlertType.WRONG_HOLDER, "R3")]


def test_r6_leaving_the_building_without_carry_out_is_critical() -> None:
    c = carrier(level=Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    f = crossing(c, "corridor", "outside", [person()], exit_door=True)
    assert [(x.type, x.rule) for x in f] == [(AlertType.UNAUTHORIZED_REMOVAL, "R6")]


def _carry_out(c, escorts=("e1", "e2")):  # type: ignore[no-untyped-def]
    return CarryOut(
        "co",
        (c.serial,),
        "alice",
        escorts,
        "上级机关",
        "送审",
        T0 - timedelta(hours=1),
        T0 + timedelta(hours=5),
        "carol",
        T0,
        "京A-12345",
        ApprovalState.APPROVED,
        "boss",
    )


def test_r6_top_secret_exit_needs_two_approved_escorts_read_with_it() -> None:
    c = carrier(level=Level.TOP_SECRET)
    auth = Authorizations(carry_outs=(_carry_out(c),))
    alice, e1, e2 = person("alice"), person("e1"), person("e2")
    one = crossing(c, "corridor", "outside", [alice, e1], auth, exit_door=True)
    assert [(x.type, x.rule) for x in one] == [(AlertType.ESCORT_MISSING, "R6")]
    assert crossing(c, "corridor", "outside", [alice, e1, e2], auth, exit_door=True) == []


def test_r6_top_secret_transport_needs_vehicle_and_two_core_escorts() -> None:
    c = carrier(level=Level.TOP_SECRET)
    with pytest.raises(RuleViolation, match="R6"):
        require_carry_out_escorts([c], [person("e1")], "京A-1")
    with pytest.raises(RuleViolation, match="R6.*vehicle"):
        require_carry_out_escorts([c], [person("e1"), person("e2")], "")
    with pytest.raises(RuleViolation, match="R6"):
        require_carry_out_escorts([c], [person("e1"), person("e2", Clearance.IMPORTANT)], "京A-1")
    require_carry_out_escorts([c], [person("e1"), person("e2")], "京A-1")
    require_carry_out_escorts([carrier(level=Level.SECRET)], [], "")


def test_r7_everything_not_in_a_safe_after_close_needs_locking_away() -> None:
    assert needs_locking_away(carrier(state=CarrierState.OUT), Authorizations(), T0)
    assert needs_locking_away(carrier(state=CarrierState.REGISTERED), Authorizations(), T0)
    assert not needs_locking_away(carrier(state=CarrierState.IN_SAFE), Authorizations(), T0)
    c = carrier(state=CarrierState.IN_TRANSIT, level=Level.SECRET)
    assert not needs_locking_away(c, Authorizations(carry_outs=(_carry_out(c),)), T0)


def test_r8_top_secret_is_never_copied() -> None:
    with pytest.raises(RuleViolation, match="R8"):
        require_copy_allowed(carrier(level=Level.TOP_SECRET))
    require_copy_allowed(carrier(level=Level.SECRET))


def test_r9_top_secret_monthly_others_quarterly() -> None:
    months = {"top_secret": 1, "secret": 3, "confidential": 3, "internal": 6}
    last = date(2026, 10, 31)
    assert inventory_due(Level.TOP_SECRET, last, months, date(2026, 11, 5)) == date(2026, 11, 30)
    assert inventory_due(Level.SECRET, last, months, date(2026, 11, 5)) == date(2027, 1, 31)
    assert inventory_due(Level.SECRET, None, months, date(2026, 11, 5)) == date(2026, 11, 5)


def test_r10_two_distinct_witnesses_neither_the_requester() -> None:
    with pytest.raises(RuleViolation, match="R10"):
        require_witnesses("carol", ["dave"])
    with pytest.raises(RuleViolation, match="R10"):
        require_witnesses("carol", ["dave", "dave"])
    with pytest.raises(RuleViolation, match="R10.*own"):
        require_witnesses("carol", ["carol", "dave", "erin"])
    require_witnesses("carol", ["dave", "erin"])


def test_r11_period_end_declassifies_and_notice_window_warns() -> None:
    c = carrier(period=SecrecyPeriod.years(1), classified_on=date(2025, 12, 10))
    assert declassification_due(c, date(2026, 11, 24), 30)
    assert not expired(c, date(2026, 12, 9))
    assert expired(c, date(2026, 12, 10))
    long = carrier(level=Level.TOP_SECRET, period=SecrecyPeriod.long_term())
    assert not expired(long, date(2099, 1, 1))


def test_r12_leaving_a_post_with_carriers_in_hand_is_refused() -> None:
    with pytest.raises(RuleViolation, match="R12.*JM-2026-000001"):
        require_no_holdings(person(), ["JM-2026-000001"])
    require_no_holdings(person(), [])
    assert decommission_until(person(clearance=Clearance.CORE), date(2026, 11, 24)) == date(
        2029, 11, 24
    )


def test_r13_computer_leak_within_24_hours_other_losses_at_once() -> None:
    assert not loss_report_late(LossKind.COMPUTER_LEAK, T0, T0 + timedelta(hours=23))
    assert loss_report_late(LossKind.COMPUTER_LEAK, T0, T0 + timedelta(hours=25))
    assert loss_report_late(LossKind.LOSS, T0, T0 + timedelta(hours=3))


def test_sod_nobody_holds_two_of_the_three_administrators() -> None:
    admins = sorted(ADMIN_ROLES, key=lambda r: r.value)
    for i, a in enumerate(admins):
        require_separation_of_duties({a})  # each alone is fine
        for b in admins[i + 1 :]:
            with pytest.raises(RuleViolation, match="SoD: nobody may be both") as err:
                require_separation_of_duties({a, b})
            assert err.value.rule == "SoD" and "三员分立" in err.value.zh
    with pytest.raises(RuleViolation, match="SoD"):
        require_separation_of_duties(admins)


def test_sod_no_administrator_holds_a_business_role() -> None:
    for a in ADMIN_ROLES:
        for b in BUSINESS_ROLES:
            with pytest.raises(
                RuleViolation, match=f"SoD: a {a.value} may not also be a {b.value}"
            ):
                require_separation_of_duties({a, b})
    require_separation_of_duties(BUSINESS_ROLES)  # business roles may go together
    require_separation_of_duties(set())


def test_sod_administrators_never_know_a_title_whatever_their_department() -> None:
    c = carrier()  # in the policy department's scope
    assert may_know(person(department="policy"), c)
    for a in ADMIN_ROLES:
        assert not may_know(person(role=a, department="policy"), c)
