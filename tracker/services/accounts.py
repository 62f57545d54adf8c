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
from typing import Protocol

from tracker.domain.accounts import Device, User
from tracker.domain.errors import Conflict, InvalidInput, NotFound
from tracker.domain.ledger import Action
from tracker.domain.model import Person, Role
from tracker.domain.site import Site
from tracker.services.base import Services, Tx

TOKEN_PREFIX = "dev_"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 would hash a megabyte happily; nobody needs that
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class PasswordHasher(Protocol):
    """Hashes and checks passwords (argon2 in production)."""

    def hash(self, password: str) -> str:
        """A self-describing hash string of ``password``."""
        ...

    def verify(self, hashed: str, password: str) -> bool:
        """True when ``password`` matches ``hashed``; False otherwise (never raises)."""
        ...


def _admin(tx: Tx, actor: str) -> None:
    # The server's own command line is trusted; through the system only an officer
    # manages logins.
    if not actor.startswith("cli:"):
        tx.require_role(actor, Role.OFFICER)


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
        _admin(tx, actor)
        tx.person(person_id, "person")
        if tx.uow.users.get(username) is not None:
            raise Conflict(f"user {username} already exists", zh=f"用户 {username} 已存在")
        user = User(username, person_id, hashed, tx.now, actor)
        tx.uow.users.add(user)
        tx.record(
            Action.PERSON, actor, data={"person": person_id, "op": "user_add", "user": username}
        )
        return user


def set_password(
    svc: Services, actor: str, username: str, password: str, hasher: PasswordHasher
) -> User:
    """Replace a user's password."""
    _check_password(password)
    hashed = hasher.hash(password)
    with svc.transaction() as tx:
        _admin(tx, actor)
        user = _user(tx, username)
        user.password_hash, user.password_changed_at = hashed, tx.now
        tx.record(
            Action.PERSON,
            actor,
            data={"person": user.person, "op": "user_password", "user": username},
        )
        return user


def set_user_active(svc: Services, actor: str, username: str, active: bool) -> User:
    """Enable or disable a login (the person stays)."""
    with svc.transaction() as tx:
        _admin(tx, actor)
        user = _user(tx, username)
        user.active = active
        op = "user_enable" if active else "user_disable"
        tx.record(Action.PERSON, actor, data={"person": user.person, "op": op, "user": username})
        return user


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


def authenticate(
    svc: Services, username: str, password: str, hasher: PasswordHasher
) -> tuple[User, Person] | None:
    """The active user and their active person for a correct password; None otherwise."""
    with svc.read() as uow:
        user = uow.users.get(username) if _NAME.match(username) else None
        person = uow.people.get(user.person) if user is not None else None
    if user is None:
        key = id(hasher)
        if key not in _dummy:
            _dummy[key] = hasher.hash(secrets.token_urlsafe(16))
        hasher.verify(_dummy[key], password)
        return None
    if not hasher.verify(user.password_hash, password):
        return None
    if not user.active or person is None or not person.active:
        return None
    return user, person


def principal(svc: Services, username: str) -> tuple[User, Person] | None:
    """The active user ``username`` and their active person (for a token already issued)."""
    with svc.read() as uow:
        user = uow.users.get(username)
        if user is None or not user.active:
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
    return DeviceScope(frozenset(doors), frozenset(safes), frozenset(readers))


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_token(device_id: str) -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}{device_id}.{secret}", _token_hash(secret)


def _check_places(site: Site, places: Sequence[str], metrics: bool) -> None:
    known = {d.door.id for d in site.doors} | {s.place.id for s in site.safes}
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
        _admin(tx, actor)
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
        return device, token


def rotate_device_token(svc: Services, actor: str, device_id: str) -> tuple[Device, str]:
    """Give a device a new token; the old one stops working at once."""
    token, hashed = _new_token(device_id)
    with svc.transaction() as tx:
        _admin(tx, actor)
        device = _device(tx, device_id)
        device.token_hash, device.active = hashed, True
        tx.record(Action.PERSON, actor, data={"op": "device_rotate", "device": device_id})
        return device, token


def revoke_device(svc: Services, actor: str, device_id: str) -> Device:
    """Stop a device's token from working."""
    with svc.transaction() as tx:
        _admin(tx, actor)
        device = _device(tx, device_id)
        device.active = False
        tx.record(Action.PERSON, actor, data={"op": "device_revoke", "device": device_id})
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


def verify_device_token(svc: Services, token: str) -> Device | None:
    """The active device that ``token`` belongs to, or None."""
    if not looks_like_device_token(token):
        return None
    device_id, _, secret = token[len(TOKEN_PREFIX) :].rpartition(".")
    if not _NAME.match(device_id) or not secret:
        return None
    with svc.read() as uow:
        device = uow.devices.get(device_id)
    if device is None or not device.active:
        return None
    if not hmac.compare_digest(device.token_hash, _token_hash(secret)):
        return None
    return device
