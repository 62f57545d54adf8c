"""The three administrators and the administration log, as use cases: who may do what,
the separation of duties when roles are granted, and the tamper-evident log every
administrative step leaves (the ledger's own chain code, under a key of its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from tests.services.conftest import receive_one
from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import PermissionDenied, RuleViolation
from tracker.domain.ledger import EntryFilter, verify_chain
from tracker.domain.levels import Clearance
from tracker.domain.model import BadgeKind, Role
from tracker.services import accounts, adminlog, borrowing, custody, people
from tracker.services.base import Services
from tracker.services.receive import store_in_safe


def actions(svc: Services, **kw: object) -> list[tuple[str, str, dict[str, object]]]:
    page = adminlog.find(svc, EntryFilter(**kw), limit=1000)  # type: ignore[arg-type]
    return [(e.action, e.actor, e.data) for e in reversed(page.entries)]


def test_sod_a_conflicting_role_is_refused_naming_the_rule(svc: Services) -> None:
    # An administrator moved straight to another of the three would hold both.
    with pytest.raises(RuleViolation, match="SoD: nobody may be both") as err:
        people.update_person(svc, "secadmin", "sysadmin", role=Role.SECURITY_AUDITOR)
    assert "三员分立" in err.value.zh
    # Someone with a carrier in hand acts as staff until it is back: no administrator.
    c = receive_one(svc, scope_people=("alice",))
    store_in_safe(svc, "carol", c.serial)
    b = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)
    with pytest.raises(RuleViolation, match="SoD: a system_admin may not also be a staff"):
        people.update_person(svc, "secadmin", "alice", role=Role.SYSTEM_ADMIN)
    with svc.read() as uow:
        assert uow.people.get("alice").role is Role.STAFF  # type: ignore[union-attr]
        assert uow.people.get("sysadmin").role is Role.SYSTEM_ADMIN  # type: ignore[union-attr]
    # Leaving the administrators' side for a business role is a plain change.
    people.update_person(svc, "secadmin", "auditor", role=Role.STAFF)


def test_only_the_security_administrator_manages_people_and_logins(svc: Services) -> None:
    for who in ("carol", "oscar", "sysadmin", "auditor"):
        with pytest.raises(PermissionDenied):
            people.add_person(svc, who, "zoe", "新人", "policy", Clearance.GENERAL, Role.OFFICER)
        with pytest.raises(PermissionDenied):
            people.add_badge(svc, who, "bob", "0100073FFF", BadgeKind.EM4100)
        with pytest.raises(PermissionDenied):
            accounts.set_user_active(svc, who, "bob", False)
        with pytest.raises(PermissionDenied):
            accounts.unlock(svc, who, "bob")
        with pytest.raises(PermissionDenied):
            custody.leave_post(svc, who, "dave")
    people.add_person(svc, "secadmin", "zoe", "新人", "policy", Clearance.GENERAL, Role.OFFICER)
    with pytest.raises(PermissionDenied, match="themselves"):
        custody.leave_post(svc, "secadmin", "secadmin")
    custody.leave_post(svc, "secadmin", "dave")


def test_only_the_system_administrator_manages_devices(svc: Services) -> None:
    for who in ("carol", "oscar", "secadmin", "auditor"):
        with pytest.raises(PermissionDenied):
            accounts.create_device(svc, who, "gw-x", ["door-secure"])
    device, _ = accounts.create_device(svc, "sysadmin", "gw-x", ["door-secure"])
    accounts.rotate_device_token(svc, "sysadmin", device.id)
    accounts.revoke_device(svc, "sysadmin", device.id)
    assert [a for a, *_ in actions(svc, actor="sysadmin")] == [
        "device_add",
        "device_rotate",
        "device_revoke",
    ]


def test_every_administrative_step_is_in_the_log_by_id_only(svc: Services) -> None:
    people.add_person(svc, "secadmin", "zoe", "新人", "policy", Clearance.GENERAL)
    people.update_person(
        svc, "secadmin", "zoe", clearance=Clearance.IMPORTANT, role=Role.APPROVER, email="z@u.cn"
    )
    people.add_badge(svc, "secadmin", "zoe", "0100073FFF", BadgeKind.EM4100)
    people.revoke_badge(svc, "secadmin", "0100073FFF")
    got = actions(svc, actor="secadmin")
    assert [a for a, *_ in got] == [
        "person_add",
        "clearance_change",
        "role_change",
        "person_update",
        "badge_add",
        "badge_revoke",
    ]
    assert got[2][2] == {"person": "zoe", "old": "staff", "new": "approver"}
    assert got[3][2] == {"person": "zoe", "changed": ["email"]}  # not the address itself
    # The cast and the site were made at the server's command line: logged too.
    made = actions(svc, actor="cli:test")
    assert ("site_load", "cli:test") in [(a, who) for a, who, _ in made]
    assert sum(a == "person_add" for a, *_ in made) == 13


def test_the_log_verifies_and_shows_tampering(
    svc: Services, engine: Engine, ledger_key: bytes
) -> None:
    people.add_person(svc, "secadmin", "zoe", "新人", "policy", Clearance.GENERAL)
    v = adminlog.verify(svc)
    count, last = adminlog.head(svc)
    assert v.ok and v.entries == count > 10 and len(last) == 64
    with svc.read() as uow:
        entries = uow.admin_log.entries(limit=count)
    # Sealed under a key of its own: the ledger's key does not vouch for these entries.
    assert not verify_chain(entries, ledger_key, None, None).ok
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER admin_log_entries_no_update"))
        else:
            conn.execute(text("ALTER TABLE admin_log_entries DISABLE TRIGGER USER"))
        conn.execute(
            text("UPDATE admin_log_entries SET actor = 'oscar' WHERE seq = :seq"), {"seq": count}
        )
    v = adminlog.verify(svc)
    assert not v.ok and v.problem is not None
    assert (v.problem.kind, v.problem.seq) == ("edited", count)


def test_the_log_refuses_updates_and_deletes(svc: Services, engine: Engine) -> None:
    from tracker.store.errors import translate

    for statement in ("UPDATE admin_log_entries SET actor = 'x'", "DELETE FROM admin_log_entries"):
        with pytest.raises(Exception) as err, engine.begin() as conn:
            conn.execute(text(statement))
        assert "append-only" in str(translate(err.value)) or "append-only" in str(err.value)


def test_unlock_clears_every_address_and_is_logged(svc: Services) -> None:
    hasher = _Cheap()
    accounts.create_user(svc, "secadmin", "bob", "bob", "correct-horse", hasher)
    for client in ("10.0.0.1", "10.0.0.2"):
        with pytest.raises(PermissionDenied):
            accounts.login(svc, "bob", "wrong-password", client, hasher=hasher)
    assert accounts.unlock(svc, "secadmin", "bob") == 2
    assert actions(svc, actions=frozenset({"unlock"})) == [
        ("unlock", "secadmin", {"user": "bob", "addresses": 2})
    ]
    assert {a for a, *_ in actions(svc, actor="bob")} == {AdminAction.LOGIN_FAILED.value}


class _Cheap:
    """A password hasher for service tests (the argon2 one is exercised in the API)."""

    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, hashed: str, password: str) -> bool:
        return hashed == "plain:" + password


def test_the_settings_a_server_starts_with_are_logged_when_they_change(svc: Services) -> None:
    first = {"token_minutes": 15.0, "max_body_bytes": 1048576, "secret_key_file": "data/k"}
    assert adminlog.settings_in_force(svc, first) == {
        "max_body_bytes": [None, 1048576],
        "secret_key_file": [None, "data/k"],
        "token_minutes": [None, 15.0],
    }
    assert adminlog.settings_in_force(svc, dict(first)) == {}  # a restart as before
    changed = adminlog.settings_in_force(svc, {**first, "token_minutes": 5.0})
    assert changed == {"token_minutes": [15.0, 5.0]}
    got = actions(svc, actions=frozenset({"setting_change"}))
    assert [(a, who) for a, who, _ in got] == [("setting_change", "system")] * 2
    assert got[-1][2] == {
        "settings": {**first, "token_minutes": 5.0},
        "changed": {"token_minutes": [15.0, 5.0]},
    }
