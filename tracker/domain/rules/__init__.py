"""The secrecy rules of SPEC §5 (R1-R15, and R16-R19 of the further rules) as pure
functions, every one named after its rule (``r8_require_copy_allowed``) and tested by a
test of the same name (``tests/domain/test_rule_functions.py``). README.md's rule table
lists them.

Three kinds of function live here:

* ``rN_require_*`` checks guard a use case and raise :class:`RuleViolation` naming the rule;
* predicates and findings (``rN_*``) judge something that already happened — a carrier
  crossing a door, a clock tick — and return :class:`Finding` records (or None) that the
  services turn into alerts;
* the decision rules of the one approval workflow (:mod:`.approval`).

Import from here: ``from tracker.domain.rules import r3_may_know``. The names the
functions had before issue 11 (``may_know``, ``require_copy_allowed``, …) stay
importable as aliases for callers written against them.
"""

from __future__ import annotations

from tracker.domain.rules.approval import (
    decision_note,
    require_approver,
    require_may_decide,
    require_not_self,
)
from tracker.domain.rules.borrowing import (
    r4_is_overdue,
    r4_overdue,
    r4_require_due_within,
    r5_require_with_custodian,
)
from tracker.domain.rules.crossing import evaluate_crossing, r5_sideways_pass
from tracker.domain.rules.custody import (
    r6_require_carry_out_escorts,
    r8_require_copy_allowed,
    r10_require_witness,
    r10_require_witnesses,
    r12_decommission_until,
    r12_require_no_holdings,
    r13_loss_report_late,
    r15_require_count,
)
from tracker.domain.rules.disclosure import (
    r16_desk_reader,
    r16_kept_for,
    r16_require_reading,
    r16_unrecorded_contact,
)
from tracker.domain.rules.duties import SOD, require_separation_of_duties
from tracker.domain.rules.findings import Finding
from tracker.domain.rules.handling import (
    r18_due_soon,
    r18_handling_due,
    r18_overdue,
    r18_remind_from,
    r18_require_secure_room,
)
from tracker.domain.rules.holding import r3_may_hold, r3_may_know, r3_require_may_hold
from tracker.domain.rules.meetings import (
    r17_left_behind,
    r17_not_collected,
    r17_require_attendee,
    r17_require_handout,
    r17_require_material,
    r17_require_meeting_room,
    r17_sweep_due,
)
from tracker.domain.rules.places import (
    Authorizations,
    r1_authorized_places,
    r1_passage_overstay,
    r1_require_place_allows,
    r1_safe_below_level,
    r2_require_borrow_destination,
)
from tracker.domain.rules.register import (
    CUSTODY_FIELDS,
    CustodyChanges,
    r14_require_register_entry,
)
from tracker.domain.rules.schedule import (
    r7_needs_locking_away,
    r7_not_locked_away,
    r9_inventory_due,
    r9_inventory_overdue,
    r11_declassification_due,
    r11_declassification_notice,
    r11_expired,
)
from tracker.domain.rules.sealing import (
    r19_compare,
    r19_holiday_periods,
    r19_safes_to_seal,
    r19_seal_broken,
    r19_unseal_findings,
)

# The names before issue 11.
authorized_places = r1_authorized_places
require_place_allows = r1_require_place_allows
require_borrow_destination = r2_require_borrow_destination
may_know = r3_may_know
may_hold = r3_may_hold
require_may_hold = r3_require_may_hold
require_due_within = r4_require_due_within
is_overdue = r4_is_overdue
require_can_check_out = r5_require_with_custodian
require_carry_out_escorts = r6_require_carry_out_escorts
needs_locking_away = r7_needs_locking_away
require_copy_allowed = r8_require_copy_allowed
inventory_due = r9_inventory_due
require_witnesses = r10_require_witnesses
declassification_due = r11_declassification_due
expired = r11_expired
require_no_holdings = r12_require_no_holdings
decommission_until = r12_decommission_until
loss_report_late = r13_loss_report_late

__all__ = [
    "CUSTODY_FIELDS",
    "SOD",
    "Authorizations",
    "CustodyChanges",
    "Finding",
    "authorized_places",
    "decision_note",
    "declassification_due",
    "decommission_until",
    "evaluate_crossing",
    "expired",
    "inventory_due",
    "is_overdue",
    "loss_report_late",
    "may_hold",
    "may_know",
    "needs_locking_away",
    "r1_authorized_places",
    "r1_passage_overstay",
    "r1_require_place_allows",
    "r1_safe_below_level",
    "r2_require_borrow_destination",
    "r3_may_hold",
    "r3_may_know",
    "r3_require_may_hold",
    "r4_is_overdue",
    "r4_overdue",
    "r4_require_due_within",
    "r5_require_with_custodian",
    "r5_sideways_pass",
    "r6_require_carry_out_escorts",
    "r7_needs_locking_away",
    "r7_not_locked_away",
    "r8_require_copy_allowed",
    "r9_inventory_due",
    "r9_inventory_overdue",
    "r10_require_witness",
    "r10_require_witnesses",
    "r11_declassification_due",
    "r11_declassification_notice",
    "r11_expired",
    "r12_decommission_until",
    "r12_require_no_holdings",
    "r13_loss_report_late",
    "r14_require_register_entry",
    "r15_require_count",
    "r16_desk_reader",
    "r16_kept_for",
    "r16_require_reading",
    "r16_unrecorded_contact",
    "r17_left_behind",
    "r17_not_collected",
    "r17_require_attendee",
    "r17_require_handout",
    "r17_require_material",
    "r17_require_meeting_room",
    "r17_sweep_due",
    "r18_due_soon",
    "r18_handling_due",
    "r18_overdue",
    "r18_remind_from",
    "r18_require_secure_room",
    "r19_compare",
    "r19_holiday_periods",
    "r19_safes_to_seal",
    "r19_seal_broken",
    "r19_unseal_findings",
    "require_approver",
    "require_borrow_destination",
    "require_can_check_out",
    "require_carry_out_escorts",
    "require_copy_allowed",
    "require_may_decide",
    "require_may_hold",
    "require_no_holdings",
    "require_not_self",
    "require_place_allows",
    "require_separation_of_duties",
    "require_witnesses",
]
