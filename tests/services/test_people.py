"""People: who may change roles, badges, emails."""

from __future__ import annotations

import pytest

from tracker.domain.errors import Conflict, InvalidInput, PermissionDenied
from tracker.domain.model import BadgeKind, Role
from tracker.services import people
from tracker.services.base import Services


def test_only_the_security_administrator_changes_roles_and_never_their_own(
    svc: Services,
) -> None:
    with pytest.raises(PermissionDenied):
        people.update_person(svc, "carol", "carol", role=Role.OFFICER)  # a custodian, self
    with pytest.raises(PermissionDenied):
        people.update_person(svc, "carol", "alice", role=Role.APPROVER)  # a custodian
    with pytest.raises(PermissionDenied, match="security_admin"):
        people.update_person(svc, "oscar", "alice", role=Role.APPROVER)  # an officer
    with pytest.raises(PermissionDenied, match="own role"):
        people.update_person(svc, "secadmin", "secadmin", role=Role.STAFF)
    p = people.update_person(svc, "secadmin", "alice", role=Role.APPROVER)
    assert p.role is Role.APPROVER
    # Departments and emails are the security administrator's too.
    with pytest.raises(PermissionDenied):
        people.update_person(svc, "carol", "bob", department="audit")
    assert people.update_person(svc, "secadmin", "bob", department="audit").department == "audit"


def test_badges_are_unique_and_well_formed(svc: Services) -> None:
    with pytest.raises(Conflict, match="already belongs to alice"):
        people.add_badge(svc, "secadmin", "bob", "0100073EAB", BadgeKind.EM4100)
    with pytest.raises(InvalidInput):
        people.add_badge(svc, "secadmin", "bob", "01000", BadgeKind.EM4100)
    b = people.add_badge(svc, "secadmin", "bob", "e2801170000002089abcdef1", BadgeKind.UHF)
    assert b.code == "E2801170000002089ABCDEF1"


def test_email_is_checked(svc: Services) -> None:
    with pytest.raises(InvalidInput, match="email"):
        people.update_person(svc, "secadmin", "alice", email="not-an-address")
    assert (
        people.update_person(svc, "secadmin", "alice", email="alice@unit.example").email
        == "alice@unit.example"
    )
