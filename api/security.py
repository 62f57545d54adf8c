"""Passwords (argon2), the token signing secret, and short-lived signed access tokens.

The secret is kept outside the database: ``TRACKER_SECRET_KEY``, or a key file (default
``./data/secret.key``) created with mode 0600 on first start. It is never logged.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from api.settings import ApiSettings
from tracker.domain.errors import ConfigError

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "tracker"
AUDIENCE = "tracker-api"
MIN_SECRET_BYTES = 32


class Argon2Hasher:
    """:class:`tracker.services.accounts.PasswordHasher` on argon2id."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> None:
        self._ph = _Argon2(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> Argon2Hasher:
        """A hasher with the configured cost."""
        return cls(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )

    def hash(self, password: str) -> str:
        """The argon2id PHC string of ``password``."""
        return self._ph.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        """True when ``password`` matches; False for a mismatch or a malformed hash."""
        try:
            return self._ph.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False


def load_secret(settings: ApiSettings) -> bytes:
    """The signing secret: the environment's, else the key file's (made on first start)."""
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value().encode()
        if len(value) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"TRACKER_SECRET_KEY is {len(value)} bytes; use at least {MIN_SECRET_BYTES}",
                zh=f"TRACKER_SECRET_KEY 只有 {len(value)} 字节，至少需要 {MIN_SECRET_BYTES} 字节",
            )
        return value
    return _key_file(settings.secret_key_file)


def _key_file(path: Path) -> bytes:
    if path.exists():
        if path.stat().st_mode & 0o077:
            logger.warning("secret key file %s is readable by others; chmod 600 it", path)
        text = path.read_text(encoding="ascii").strip()
        if len(text) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"the secret key in {path} is too short; delete it to make a new one",
                zh=f"{path} 中的密钥过短；删除该文件可重新生成",
            )
        return text.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode()
    except OSError as exc:
        raise ConfigError(
            f"cannot create the secret key file {path}: {exc}", zh=f"无法创建密钥文件 {path}：{exc}"
        ) from exc
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
    logger.warning("created a new token signing key in %s", path)
    return value.encode()


@dataclass(frozen=True)
class IssuedToken:
    """An access token and how long it lives."""

    token: str
    expires_in: int  # seconds


class TokenIssuer:
    """Signs and checks access tokens (JWT, HS256) for user logins."""

    def __init__(self, secret: bytes, minutes: float) -> None:
        self._secret = secret
        self._lifetime = timedelta(minutes=minutes)

    def issue(
        self, username: str, now: datetime | None = None, *, generation: int = 0
    ) -> IssuedToken:
        """A token for ``username`` valid for the configured lifetime, in the login's
        ``generation`` (a token of an older generation is refused)."""
        at = now or datetime.now(UTC)
        claims = {
            "sub": username,
            "gen": generation,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(at.timestamp()),
            "exp": int((at + self._lifetime).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(
            jwt.encode(claims, self._secret, algorithm=ALGORITHM),
            int(self._lifetime.total_seconds()),
        )

    def subject(self, token: str) -> tuple[str, int] | None:
        """The username a valid, unexpired token was issued to and its login
        generation; None otherwise."""
        found = self.check(token)
        return None if found is None else (found[0], found[1])

    def check(self, token: str) -> tuple[str, int, float] | None:
        """The username a valid, unexpired token was issued to, its login generation and
        the seconds it has left; None otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "gen"]},
            )
        except jwt.PyJWTError:
            return None
        sub, gen, exp = claims.get("sub"), claims.get("gen"), claims.get("exp")
        if not isinstance(sub, str) or not isinstance(gen, int) or isinstance(gen, bool):
            return None
        if not isinstance(exp, int | float):
            return None
        return sub, gen, float(exp) - time.time()
