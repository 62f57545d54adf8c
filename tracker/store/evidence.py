"""Alarm stills in the database: the images content-addressed in ``evidence_blobs`` (one
row per SHA-256, shared by every still with the same bytes) and one ``evidence_stills``
row per still of an alarm. Kept in the database rather than beside it so a still is
written in the same transaction as its alert and register entry — all or nothing — and
is backed up with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Mapped, Session

from tracker.domain.evidence import Still
from tracker.store import schema
from tracker.store.tables import Base


class EvidenceBlobRow(Base):
    """The bytes of a still, by their SHA-256."""

    __table__ = schema.evidence_blobs

    sha256: Mapped[str]
    data: Mapped[bytes]
    size: Mapped[int]


class EvidenceStillRow(Base):
    """:class:`tracker.domain.evidence.Still`."""

    __table__ = schema.evidence_stills

    id: Mapped[str]
    sha256: Mapped[str]
    alarm: Mapped[str]
    alert: Mapped[str | None]
    door: Mapped[str]
    camera: Mapped[str | None]
    taken_at: Mapped[datetime]
    offset: Mapped[float]
    size: Mapped[int]
    stored_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


_FIELDS = ("id", "sha256", "alarm", "alert", "door", "camera", "taken_at", "offset", "size")


def _still(row: EvidenceStillRow) -> Still:
    return Still(
        row.id,
        row.sha256,
        row.alarm,
        row.alert,
        row.door,
        row.camera,
        row.taken_at,
        row.offset,
        row.size,
        row.stored_at,
        row.deleted_at,
    )


class SqlEvidence:
    """The :class:`~tracker.services.ports.EvidenceStore` port on the unit of work's
    session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, still: Still, data: bytes) -> None:
        """Keep ``data`` (once per SHA-256) and the still's record."""
        s = self._session
        if s.get(EvidenceBlobRow, still.sha256) is None:
            s.add(EvidenceBlobRow(sha256=still.sha256, data=data, size=len(data)))
        s.add(
            EvidenceStillRow(
                **{f: getattr(still, f) for f in _FIELDS},
                stored_at=still.stored_at,
                deleted_at=still.deleted_at,
            )
        )
        s.flush()

    def for_alert(self, alert: str) -> list[Still]:
        """The stills kept with ``alert`` (deleted ones included), by time taken."""
        rows = self._session.scalars(
            select(EvidenceStillRow)
            .where(EvidenceStillRow.alert == alert)
            .order_by(EvidenceStillRow.taken_at, EvidenceStillRow.id)
        )
        return [_still(r) for r in rows]

    def get(self, still_id: str) -> Still | None:
        """One still's record."""
        row = self._session.get(EvidenceStillRow, still_id)
        return _still(row) if row is not None else None

    def blob(self, sha256: str) -> bytes | None:
        """The bytes with this SHA-256, if still kept."""
        row = self._session.get(EvidenceBlobRow, sha256)
        return bytes(row.data) if row is not None else None

    def expired(self, before: datetime, limit: int = 500) -> list[Still]:
        """Stills stored before ``before`` and not yet deleted, oldest first."""
        rows = self._session.scalars(
            select(EvidenceStillRow)
            .where(EvidenceStillRow.stored_at < before, EvidenceStillRow.deleted_at.is_(None))
            .order_by(EvidenceStillRow.stored_at)
            .limit(limit)
        )
        return [_still(r) for r in rows]

    def delete(self, still_id: str, at: datetime) -> None:
        """Mark the still deleted; its bytes go once no kept still shares them."""
        s = self._session
        row = s.get(EvidenceStillRow, still_id)
        if row is None or row.deleted_at is not None:
            return
        s.execute(
            update(EvidenceStillRow).where(EvidenceStillRow.id == still_id).values(deleted_at=at)
        )
        s.flush()
        live = s.scalar(
            select(EvidenceStillRow.id)
            .where(EvidenceStillRow.sha256 == row.sha256, EvidenceStillRow.deleted_at.is_(None))
            .limit(1)
        )
        if live is None:
            s.execute(delete(EvidenceBlobRow).where(EvidenceBlobRow.sha256 == row.sha256))
        s.expire_all()
