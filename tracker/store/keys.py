"""The ledger's HMAC key, kept outside the database.

Where it comes from, in order: ``TRACKER_LEDGER_KEY`` (hex), or the file named by
``TRACKER_LEDGER_KEY_FILE`` (default ``./data/ledger.key``, hex text). On first use, while
the ledger is still empty, a missing file is created with 32 random bytes and mode 0600.
Once the ledger has entries a missing key is an error - a new key would make every
existing entry look forged - so the error says where the key is expected. The key itself
is never logged.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from tracker.domain.errors import LedgerError
from tracker.store.db import safe_url
from tracker.store.errors import translate
from tracker.store.schema import ledger_entries, ledger_head

logger = logging.getLogger(__name__)

ENV_KEY = "TRACKER_LEDGER_KEY"
ENV_KEY_FILE = "TRACKER_LEDGER_KEY_FILE"
KEY_BYTES = 32
MIN_KEY_BYTES = 16


def key_file() -> Path:
    """Where the key file is expected: ``TRACKER_LEDGER_KEY_FILE`` or ``./data/ledger.key``."""
    named = os.environ.get(ENV_KEY_FILE, "").strip()
    return Path(named) if named else Path.cwd() / "data" / "ledger.key"


def _decode(text: str, source: str) -> bytes:
    cleaned = "".join(text.split())
    try:
        key = bytes.fromhex(cleaned)
    except ValueError as exc:
        raise LedgerError(
            f"the ledger key in {source} is not hexadecimal",
            zh=f"{source} 中的台账密钥不是十六进制",
        ) from exc
    if len(key) < MIN_KEY_BYTES:
        raise LedgerError(
            f"the ledger key in {source} is {len(key)} bytes; at least {MIN_KEY_BYTES} needed",
            zh=f"{source} 中的台账密钥只有 {len(key)} 字节，至少需要 {MIN_KEY_BYTES} 字节",
        )
    return key


def _existing(path: Path | None) -> bytes | None:
    """The key from the environment or the key file, or None when there is none."""
    if path is None:
        env = os.environ.get(ENV_KEY, "").strip()
        if env:
            return _decode(env, f"${ENV_KEY}")
        path = key_file()
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(
            f"cannot read the ledger key file {path}: {exc}",
            zh=f"无法读取台账密钥文件 {path}：{exc}",
        ) from exc
    if path.stat().st_mode & 0o077:
        logger.warning("ledger key file %s is readable by others; chmod 600 it", path)
    return _decode(text, str(path))


def load_key(*, create: bool, path: Path | None = None) -> bytes:
    """The ledger key; with ``create`` a missing key file is made (only do that while the
    ledger is empty). ``path`` names the key file to use instead of the environment's
    (a demo's own database keeps its key beside it). Raises :class:`LedgerError` when
    there is no usable key."""
    found = _existing(path)
    if found is not None:
        return found
    path = path or key_file()
    if not create:
        raise LedgerError(
            f"the ledger has entries but its key is missing: expected in ${ENV_KEY} (hex) "
            f"or in the file {path} (set ${ENV_KEY_FILE} to move it). Restore the key from "
            "its backup; a new key would make every existing entry look forged",
            zh=f"台账已有记录但密钥缺失：应在环境变量 {ENV_KEY}（十六进制）或文件 {path} 中"
            f"（可用 {ENV_KEY_FILE} 指定位置）。请从备份恢复密钥，不能新建密钥",
        )
    return _create(path)


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it first; use theirs.
        return _decode(path.read_text(encoding="ascii"), str(path))
    except OSError as exc:
        raise LedgerError(
            f"cannot create the ledger key file {path}: {exc}",
            zh=f"无法创建台账密钥文件 {path}：{exc}",
        ) from exc
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
    logger.warning("created a new ledger key in %s; back it up outside this machine", path)
    return key


def ledger_is_empty(engine: Engine) -> bool:
    """True when the ledger has no entries and its head counts none."""
    try:
        with engine.connect() as conn:
            entries = conn.execute(select(ledger_entries.c.seq).limit(1)).first()
            head = conn.execute(select(ledger_head.c.count).where(ledger_head.c.id == 1)).scalar()
    except SQLAlchemyError as exc:
        raise translate(exc, safe_url(engine.url)) from exc
    return entries is None and not head


def ledger_key(engine: Engine, path: Path | None = None) -> bytes:
    """The key for the ledger in ``engine``'s database, created only if it is empty;
    from the file ``path`` when given, else as the module docstring says. The database
    is asked whether the ledger is empty only when there is no key to load (every
    command's start paid for that question before; issue 16 goal 5)."""
    found = _existing(path)
    if found is not None:
        return found
    return load_key(create=ledger_is_empty(engine), path=path)
