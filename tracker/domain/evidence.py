"""Evidence of an alarm: JPEG stills taken by the door's camera around the read that
sounded it, kept content-addressed (by SHA-256) with the alert, their hashes in the
register's alarm entry, and removed at the end of their retention with a register entry
for each removal."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

JPEG_MAGIC = b"\xff\xd8\xff"


def sha256_hex(data: bytes) -> str:
    """The content address of ``data``."""
    return hashlib.sha256(data).hexdigest()


def looks_like_jpeg(data: bytes) -> bool:
    """True when ``data`` starts and ends as a JPEG file does (SOI … EOI)."""
    return data.startswith(JPEG_MAGIC) and data.rstrip(b"\x00").endswith(b"\xff\xd9")


@dataclass(frozen=True)
class AlarmPolicy:
    """The site's alarm settings: a gateway deciding on an authorization table older than
    ``table_max_age`` seconds raises an alert; an alarm keeps ``stills`` JPEG stills,
    ``still_spacing`` seconds apart around the decisive read; stills are kept
    ``evidence_days`` days (0: for ever)."""

    table_max_age: float = 900.0
    stills: int = 3
    still_spacing: float = 0.4
    evidence_days: int = 365


@dataclass
class Still:
    """One still of an alarm: ``offset`` seconds from the decisive read (negative:
    before it), ``alarm`` the gateway's alarm id, ``alert`` the alert it is kept with."""

    id: str
    sha256: str
    alarm: str
    alert: str | None
    door: str
    camera: str | None
    taken_at: datetime
    offset: float
    size: int
    stored_at: datetime
    deleted_at: datetime | None = None
