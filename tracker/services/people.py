"""People, their roles, clearances and badges: the security administrator's (or, to make
the first administrators, the server's command line: actor ``cli:<user>``). Every change
goes into the administration log; roles obey the separation of duties (三员分立)."""

from __future__ import annotations

import re

from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tracker.domain.ledger import Action
from tracker.domain.levels import Clearance
from tracker.domain.model import Badge, BadgeKind, CarrierState, Person, Role
from tracker.domain.rules import require_separation_of_duties
from tracker.services import adminlog
from tracker.services.base import Services, Tx

_PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_BADGE = {
    BadgeKind.EM4100: re.compile(r"^[0-9A-F]{8}([0-9A-F]{2})?$"),
    BadgeKind.UHF: re.compile(r"^([0-9A-F]{4}){1,16}$"),
}


def _email(text: str) -> str:
    text = text.strip()
    if text and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise InvalidInput("email", f"not an email address: {text!r}", zh=f"邮箱地址无效：{text!r}")
    return text


def _admin(tx: Tx, actor: str) -> None:
    # People, roles, clearances and badges are the security administrator's alone.
    tx.require_admin(actor, Role.SECURITY_ADMIN)


def _not_self(actor: str, person_id: str) -> None:
    if actor == person_id:
        raise PermissionDenied(
            "nobody may change their own role or clearance", zh="不得变更本人的角色或涉密等级"
        )


def _roles_held(tx: Tx, p: Person, new: Role) -> set[Role]:
    # What the person would hold with ``new``: a carrier in hand is a business duty
    # (staff) until it is returned, and an administrator moved straight to another of
    # the three would hold both (their open work, their tokens' trust) at once.
    held = {new}
    if p.role.administrator and new.administrator:
        held.add(p.role)
    holding = tx.uow.carriers.count(holder=p.id, state=[CarrierState.OUT, CarrierState.IN_TRANSIT])
    if holding and new.administrator:
        held.add(Role.STAFF)
    return held


def add_person(
    svc: Services,
    actor: str,
    person_id: str,
    name: str,
    department: str,
    clearance: Clearance,
    role: Role = Role.STAFF,
    email: str = "",
) -> Person:
    """Register a person with a clearance, a role and (for notifications) an email."""
    with svc.transaction() as tx:
        _admin(tx, actor)
        if not _PERSON_ID.match(person_id):
            raise InvalidInput(
                "id",
                "1-64 letters, digits, '-', '_' or '.'",
                zh="编号应为1至64位字母、数字或 - _ .",
            )
        if not name.strip():
            raise InvalidInput("name", "the name is empty", zh="姓名不能为空")
        if tx.uow.people.get(person_id) is not None:
            raise Conflict(f"person {person_id} already exists", zh=f"人员 {person_id} 已存在")
        p = Person(person_id, name.strip(), department.strip(), clearance, role)
        p.email = _email(email)
        require_separation_of_duties({role})
        tx.uow.people.add(p)
        tx.record(
            Action.PERSON,
            actor,
            data={
                "person": person_id,
                "op": "add",
                "clearance": clearance.value,
                "role": role.value,
                "department": p.department,
            },
        )
        adminlog.record(
            tx,
            AdminAction.PERSON_ADD,
            actor,
            person=person_id,
            role=role,
            clearance=clearance,
            department=p.department,
        )
        return p


def update_person(
    svc: Services,
    actor: str,
    person_id: str,
    *,
    clearance: Clearance | None = None,
    role: Role | None = None,
    department: str | None = None,
    email: str | None = None,
) -> Person:
    """Change a person's clearance, role, department or email."""
    with svc.transaction() as tx:
        _admin(tx, actor)
        p = tx.uow.people.get(person_id)
        if p is None:
            raise NotFound(f"no person {person_id!r}", zh=f"没有人员 {person_id!r}")
        changes: dict[str, str] = {}
        if (role is not None and role is not p.role) or (
            clearance is not None and clearance is not p.clearance
        ):
            _not_self(actor, person_id)
        if role is not None and role is not p.role:
            require_separation_of_duties(_roles_held(tx, p, role))
        if clearance is not None and clearance is not p.clearance:
            changes["clearance"] = f"{p.clearance.value}->{clearance.value}"
            adminlog.record(
                tx,
                AdminAction.CLEARANCE_CHANGE,
                actor,
                person=person_id,
                old=p.clearance,
                new=clearance,
            )
            p.clearance = clearance
        if role is not None and role is not p.role:
            changes["role"] = f"{p.role.value}->{role.value}"
            adminlog.record(
                tx, AdminAction.ROLE_CHANGE, actor, person=person_id, old=p.role, new=role
            )
            p.role = role
        if department is not None and department.strip() != p.department:
            changes["department"] = f"{p.department}->{department.strip()}"
            p.department = department.strip()
        if email is not None and _email(email) != p.email:
            changes["email"] = "changed"  # the address itself stays out of the register
            p.email = _email(email)
        if changes:
            tx.record(Action.PERSON, actor, data={"person": person_id, "op": "update", **changes})
        other = sorted(k for k in changes if k not in ("role", "clearance"))
        if other:
            adminlog.record(tx, AdminAction.PERSON_UPDATE, actor, person=person_id, changed=other)
        return p


def add_badge(svc: Services, actor: str, person_id: str, code: str, kind: BadgeKind) -> Badge:
    """Give a person a badge. EM4100 codes are 10 hex digits as an RDM6300 reads them, or
    8 for readers that print only the low 32 bits; UHF badges are their EPC in hex."""
    code = code.strip().upper()
    with svc.transaction() as tx:
        _admin(tx, actor)
        tx.person(person_id)
        if not _BADGE[kind].match(code):
            raise InvalidInput(
                "code",
                f"not a valid {kind.value} badge code: {code!r}",
                zh=f"无效的工卡编码 {code!r}",
            )
        existing = tx.uow.badges.get(code)
        if existing is not None:
            raise Conflict(
                f"badge {code} already belongs to {existing.person}",
                zh=f"工卡 {code} 已分配给 {existing.person}",
            )
        if tx.uow.carriers.by_epc(code) is not None:
            raise Conflict(
                f"{code} is a carrier's tag, not a badge", zh=f"{code} 是载体标签，不能作为工卡"
            )
        b = Badge(code, person_id, kind)
        tx.uow.badges.add(b)
        tx.record(
            Action.PERSON,
            actor,
            data={"person": person_id, "op": "badge", "badge": code, "kind": kind.value},
        )
        adminlog.record(tx, AdminAction.BADGE_ADD, actor, person=person_id, badge=code, kind=kind)
        return b


def revoke_badge(svc: Services, actor: str, code: str) -> Badge:
    """Stop a lost or returned badge from counting at doors."""
    with svc.transaction() as tx:
        _admin(tx, actor)
        b = tx.uow.badges.get(code.strip().upper())
        if b is None:
            raise NotFound(f"no badge {code!r}", zh=f"没有工卡 {code!r}")
        b.active = False
        tx.record(
            Action.PERSON, actor, data={"person": b.person, "op": "revoke_badge", "badge": b.code}
        )
        adminlog.record(tx, AdminAction.BADGE_REVOKE, actor, person=b.person, badge=b.code)
        return b
