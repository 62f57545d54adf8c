"""Logins as use cases: users (a password login for a person) and devices (a gateway's
token). Password hashing is a port (:class:`PasswordHasher`) so this module stays free of
any crypto library; the API supplies argon2.

Device tokens look like ``dev_<device id>.<secret>``: the secret is 32 random bytes
(URL-safe base64) and only its SHA-256 is stored. A fast hash is enough there: a
256-bit random secret cannot be guessed or brute-forced from its hash, so a slow hash
would only slow down every gateway request without adding protection. Passwords are
chosen by people and low in entropy, so they get argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tracker.domain.accounts import Device, User
from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from tracker.domain.ledger import Action
from tracker.domain.model import Person, Role
from tracker.domain.site import Site
from tracker.services import adminlog, throttling
from tracker.services.base import Services, Tx
from tracker.services.throttling import ThrottlePolicy

TOKEN_PREFIX = "dev_"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 would hash a megabyte happily; nobody needs that
MAX_CLIENT = 64  # an IPv6 address with a zone fits
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class PasswordHasher(Protocol):
    """Hashes and checks passwords (argon2 in production)."""

    def hash(self, password: str) -> str:
        """A self-describing hash string of ``password``."""
        ...

    def verify(self, hashed: str, password: str) -> bool:
        """True when ``password`` matches ``hashed``; False otherwise (never raises)."""
        ...


def _logins_admin(tx: Tx, actor: str) -> None:
    # Logins are the security administrator's (or the server's command line's).
    tx.require_admin(actor, Role.SECURITY_ADMIN)


def _devices_admin(tx: Tx, actor: str) -> None:
    # Gateways and other devices are the system administrator's.
    tx.require_admin(actor, Role.SYSTEM_ADMIN)


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            "password",
            f"must be {MIN_PASSWORD}-{MAX_PASSWORD} characters",
            zh=f"密码长度应为{MIN_PASSWORD}至{MAX_PASSWORD}个字符",
        )


# --- users ------------------------------------------------------------------------------


def create_user(
    svc: Services, actor: str, username: str, person_id: str, password: str, hasher: PasswordHasher
) -> User:
    """Give person ``person_id`` a password login named ``username``."""
    if not _NAME.match(username):
        raise InvalidInput(
            "username",
            "1-64 letters, digits, '-', '_' or '.'",
            zh="用户名应为1至64位字母、数字或 - _ .",
        )
    _check_password(password)
    hashed = hasher.hash(password)  # slow: do it before taking the write lock
    with svc.transaction() as tx:
        _logins_admin(tx, actor)
        person = tx.person(person_id, "person")
        if tx.uow.users.get(username) is not None:
            raise Conflict(f"user {username} already exists", zh=f"用户 {username} 已存在")
        user = User(username, person_id, hashed, tx.now, actor)
        tx.uow.users.add(user)
        tx.record(
            Action.PERSON, actor, data={"person": person_id, "op": "user_add", "user": username}
        )
        adminlog.record(
            tx, AdminAction.USER_ADD, actor, user=username, person=person_id, role=person.role
        )
        return user


def set_password(
    svc: Services, actor: str, username: str, password: str, hasher: PasswordHasher
) -> User:
    """Replace a user's password."""
    _check_password(password)
    hashed = hasher.hash(password)
    with svc.transaction() as tx:
        _logins_admin(tx, actor)
        user = _user(tx, username)
        user.password_hash, user.password_changed_at = hashed, tx.now
        user.generation += 1  # every token issued before stops working
        tx.record(
            Action.PERSON,
            actor,
            data={"person": user.person, "op": "user_password", "user": username},
        )
        adminlog.record(tx, AdminAction.USER_PASSWORD, actor, user=username, person=user.person)
        return user


def set_user_active(svc: Services, actor: str, username: str, active: bool) -> User:
    """Enable or disable a login (the person stays); disabling ends its tokens."""
    with svc.transaction() as tx:
        _logins_admin(tx, actor)
        user = _user(tx, username)
        user.active = active
        user.generation += 1
        op = "user_enable" if active else "user_disable"
        tx.record(Action.PERSON, actor, data={"person": user.person, "op": op, "user": username})
        adminlog.record(
            tx,
            AdminAction.USER_ENABLE if active else AdminAction.USER_DISABLE,
            actor,
            user=username,
            person=user.person,
        )
        return user


def unlock(svc: Services, actor: str, username: str) -> int:
    """Forget the failed logins of ``username`` from every address (the security
    administrator, after checking who was locked out); returns how many addresses
    were waiting."""
    with svc.transaction() as tx:
        _logins_admin(tx, actor)
        _user(tx, username)
        cleared = tx.uow.throttle.clear(throttling.fold(username))
        adminlog.record(tx, AdminAction.UNLOCK, actor, user=username, addresses=cleared)
        return cleared


def logout(svc: Services, username: str, client: str = "") -> None:
    """End every token of ``username`` at once (its generation moves on)."""
    with svc.transaction() as tx:
        user = _user(tx, username)
        user.generation += 1
        adminlog.record(tx, AdminAction.LOGOUT, user.person, user=username, client=client)


def _user(tx: Tx, username: str) -> User:
    user = tx.uow.users.get(username)
    if user is None:
        raise NotFound(f"no user {username!r}", zh=f"没有用户 {username!r}")
    return user


def list_users(svc: Services) -> list[User]:
    """Every login, by name."""
    with svc.read() as uow:
        return uow.users.find(order_by="username")


# A hash of a random password, checked when the user does not exist so that a wrong
# username costs as long as a wrong password (no user enumeration by timing).
_dummy: dict[int, str] = {}


def _check(
    svc: Services, username: str, password: str, hasher: PasswordHasher
) -> tuple[User | None, Person | None, bool]:
    # (the user if it exists, its person, whether the password opens an active login)
    with svc.read() as uow:
        user = uow.users.get(username) if _NAME.match(username) else None
        person = uow.people.get(user.person) if user is not None else None
    if user is None or len(password) > MAX_PASSWORD:
        key = id(hasher)
        if key not in _dummy:
            _dummy[key] = hasher.hash(secrets.token_urlsafe(16))
        hasher.verify(_dummy[key], password[:MAX_PASSWORD])
        return user, person, False
    ok = hasher.verify(user.password_hash, password)
    return user, person, ok and user.active and person is not None and person.active


def authenticate(
    svc: Services, username: str, password: str, hasher: PasswordHasher
) -> tuple[User, Person] | None:
    """The active user and their active person for a correct password; None otherwise.
    Neither throttled nor logged: callers serving a login use :func:`login`."""
    user, person, ok = _check(svc, username, password, hasher)
    return (user, person) if ok and user is not None and person is not None else None


@dataclass(frozen=True)
class Login:
    """A successful login: the user and their person. ``user.generation`` is what a
    token or session must carry to stay valid (see :func:`principal`)."""

    user: User
    person: Person


def login(
    svc: Services,
    username: str,
    password: str,
    client: str,
    *,
    hasher: PasswordHasher,
    policy: ThrottlePolicy | None = None,
) -> Login:
    """Log ``username`` in from ``client`` (an IP address): the one way in by password,
    for the token endpoint, HTTP Basic on the documentation and the web console.

    Throttled per (case-folded user name, client address) in the database: after
    ``policy.free`` failures each attempt from there waits a doubling delay (capped),
    refused with :class:`TooManyAttempts` without checking the password; the same user
    from another address is not held up. Every success, failure and refusal goes into
    the administration log with the address; a burst of failures for one name or from
    one address raises an alert to the secrecy officer. Raises
    :class:`~tracker.domain.errors.Unauthenticated` for a wrong name or password (the
    same answer for both)."""
    policy = policy or ThrottlePolicy()
    client = (client or "unknown")[:MAX_CLIENT]
    throttling.attempt(svc, username, client, policy)  # TooManyAttempts, or it counts
    user, person, ok = _check(svc, username, password, hasher)
    with svc.transaction() as tx:
        if ok and user is not None and person is not None:
            throttling.succeeded(tx, username, client)
            adminlog.record(tx, AdminAction.LOGIN, person.id, user=user.username, client=client)
        else:
            who = user.person if user is not None else throttling.UNKNOWN
            fields: dict[str, Any] = {"client": client}
            if user is not None:
                fields["user"] = user.username
            else:  # never the text typed: it may be a password typed in the wrong box
                fields["user_hash"] = throttling.name_hash(throttling.fold(username))
            adminlog.record(tx, AdminAction.LOGIN_FAILED, who, **fields)
            throttling.failed(tx, username, client, policy)
    if not ok or user is None or person is None:
        raise Unauthenticated("wrong user name or password", zh="用户名或密码错误")
    return Login(user, person)


def principal(svc: Services, username: str, generation: int) -> tuple[User, Person] | None:
    """The active user ``username`` and their active person, for a token or session
    issued in login generation ``generation``; None when the login was disabled, its
    password changed or it logged out since, or the person left the post."""
    with svc.read() as uow:
        user = uow.users.get(username)
        if user is None or not user.active or user.generation != generation:
            return None
        person = uow.people.get(user.person)
    if person is None or not person.active:
        return None
    return user, person


# --- devices ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceScope:
    """What a device may report on: its doors and safes, and their readers and cameras."""

    doors: frozenset[str]
    safes: frozenset[str]
    readers: frozenset[str]  # reader and camera ids
    desks: frozenset[str] = frozenset()  # reading desks (R16)


def device_scope(site: Site, device: Device) -> DeviceScope:
    """The doors, safes, readers and cameras of ``device`` per the site file."""
    places = set(device.places)
    doors = {d.door.id for d in site.doors if d.door.id in places}
    safes = {s.place.id for s in site.safes if s.place.id in places}
    readers: set[str] = set()
    for d in site.doors:
        if d.door.id in doors:
            readers.update(d.inner_readers, d.outer_readers, d.badge_readers)
            if d.camera:
                readers.add(d.camera)
    for s in site.safes:
        if s.place.id in safes:
            readers.update(s.readers)
            if s.camera:
                readers.add(s.camera)
    desks = {k.id for k in site.desks if k.id in places}
    for desk in site.desks:
        if desk.id in desks:
            readers.update(desk.readers, desk.badge_readers)
    return DeviceScope(frozenset(doors), frozenset(safes), frozenset(readers), frozenset(desks))


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_token(device_id: str) -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}{device_id}.{secret}", _token_hash(secret)


def _check_places(site: Site, places: Sequence[str], metrics: bool) -> None:
    known = {d.door.id for d in site.doors} | {s.place.id for s in site.safes}
    known |= {d.id for d in site.desks}
    for i, p in enumerate(places):
        if p not in known:
            raise InvalidInput(
                f"doors[{i}]",
                f"{p!r} is no door or safe of site {site.id}",
                zh=f"{p!r} 不是站点 {site.id} 的门或保险柜",
            )
    if not places and not metrics:
        raise InvalidInput(
            "doors", "name the doors or safes this device serves", zh="须列明设备所在的门或保险柜"
        )


def create_device(
    svc: Services, actor: str, device_id: str, places: Sequence[str], metrics: bool = False
) -> tuple[Device, str]:
    """Register a gateway serving ``places`` (door or safe ids); returns the device and
    its token, which is shown once and never stored."""
    if not _NAME.match(device_id):
        raise InvalidInput(
            "device",
            "1-64 letters, digits, '-', '_' or '.'",
            zh="设备编号应为1至64位字母、数字或 - _ .",
        )
    _check_places(svc.site, places, metrics)
    token, hashed = _new_token(device_id)
    with svc.transaction() as tx:
        _devices_admin(tx, actor)
        if tx.uow.devices.get(device_id) is not None:
            raise Conflict(f"device {device_id} already exists", zh=f"设备 {device_id} 已存在")
        device = Device(
            device_id, tuple(dict.fromkeys(places)), hashed, tx.now, actor, metrics=metrics
        )
        tx.uow.devices.add(device)
        tx.record(
            Action.PERSON,
            actor,
            data={
                "op": "device_add",
                "device": device_id,
                "places": list(device.places),
                "metrics": metrics,
            },
        )
        adminlog.record(
            tx,
            AdminAction.DEVICE_ADD,
            actor,
            device=device_id,
            places=list(device.places),
            metrics=metrics,
        )
        return device, token


def rotate_device_token(svc: Services, actor: str, device_id: str) -> tuple[Device, str]:
    """Give a device a new token; the old one stops working at once."""
    token, hashed = _new_token(device_id)
    with svc.transaction() as tx:
        _devices_admin(tx, actor)
        device = _device(tx, device_id)
        device.token_hash, device.active = hashed, True
        tx.record(Action.PERSON, actor, data={"op": "device_rotate", "device": device_id})
        adminlog.record(tx, AdminAction.DEVICE_ROTATE, actor, device=device_id)
        return device, token


def revoke_device(svc: Services, actor: str, device_id: str) -> Device:
    """Stop a device's token from working."""
    with svc.transaction() as tx:
        _devices_admin(tx, actor)
        device = _device(tx, device_id)
        device.active = False
        tx.record(Action.PERSON, actor, data={"op": "device_revoke", "device": device_id})
        adminlog.record(tx, AdminAction.DEVICE_REVOKE, actor, device=device_id)
        return device


def _device(tx: Tx, device_id: str) -> Device:
    device = tx.uow.devices.get(device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}", zh=f"没有设备 {device_id!r}")
    return device


def list_devices(svc: Services) -> list[Device]:
    """Every device, by id."""
    with svc.read() as uow:
        return uow.devices.find(order_by="id")


def looks_like_device_token(token: str) -> bool:
    """True when ``token`` has the shape of a device token (not a JWT)."""
    return token.startswith(TOKEN_PREFIX) and "." in token


def token_device(token: str) -> str | None:
    """The device id a device token names (not checked), or None when it is none."""
    if not looks_like_device_token(token):
        return None
    device_id, _, secret = token[len(TOKEN_PREFIX) :].rpartition(".")
    return device_id if _NAME.match(device_id) and secret else None


def verify_device_token(svc: Services, token: str) -> Device | None:
    """The active device that ``token`` belongs to, or None."""
    device_id = token_device(token)
    if device_id is None:
        return None
    secret = token.rpartition(".")[2]
    with svc.read() as uow:
        device = uow.devices.get(device_id)
    if device is None or not device.active:
        return None
    if not hmac.compare_digest(device.token_hash, _token_hash(secret)):
        return None
    return device
