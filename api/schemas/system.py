"""Authentication, the register, gateway events and health."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import Ident, Model, Out, ShortText, When
from tracker.domain.model import MovementSource


class TokenOut(Out):
    """An access token (OAuth2 password flow)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until it expires.")


class MeOut(Out):
    """Who the caller is."""

    role: str
    name: str
    person: str | None
    person_name: str | None
    device_places: list[str] | None


class HealthOut(Out):
    """Liveness and database reachability."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]


class VerifyProblemOut(Out):
    """The first break in the register's chain."""

    kind: str = Field(description="edited / removed / inserted / reordered / truncated / head")
    seq: int
    message: str


class VerifyOut(Out):
    """The result of walking the whole register."""

    ok: bool
    entries: int
    problem: VerifyProblemOut | None
    seconds: float


class HeadOut(Out):
    """The register's head: record it outside the system to detect truncation."""

    count: int
    last_hash: str


class EventIn(Model):
    """One observation from a gateway (see ``tracker.services.movement.Observation``)."""

    event_id: str = Field(min_length=1, max_length=128, description="Client-generated, unique.")
    kind: Literal[
        "crossing", "safe", "shielded", "reader", "heartbeat", "alarm", "output", "table", "desk"
    ]
    at: When
    code: ShortText = Field(default="", description="Tag EPC hex or label barcode.")
    door: Ident | None = None
    direction: Literal["in", "out"] | None = Field(default=None, description="in = outer to inner.")
    badges: list[ShortText] = Field(default_factory=list, max_length=50)
    safe: Ident | None = None
    present: bool = True
    reader: Ident | None = None
    online: bool = True
    source: MovementSource = MovementSource.RFID
    stills: list[str] = Field(
        default_factory=list, max_length=5, description="alarm: '<offset ms>:<base64 JPEG>'"
    )
    table_version: int | None = Field(default=None, ge=0)
    age: float | None = Field(default=None, ge=0, description="table: seconds since confirmed")
    desk: Ident | None = Field(default=None, description="desk: the reading desk (R16).")
    codes: list[ShortText] = Field(
        default_factory=list, max_length=100, description="desk: the tags lying on it."
    )


class EventBatchIn(Model):
    """A batch of observations, applied all or nothing, in event-time order."""

    events: list[EventIn] = Field(min_length=1, max_length=1000)


class EventResultOut(Out):
    """What one observation did (the same answer however often it is posted)."""

    event_id: str
    carrier: str | None
    movement: str | None
    alerts: list[str]
    note: str


class EventBatchOut(Out):
    """Answers in the order given."""

    results: list[EventResultOut]
