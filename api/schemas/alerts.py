"""Alerts."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from api.schemas.common import Model, Out, Text
from tracker.domain.model import AlertState, AlertType, Severity, SubjectKind


class AlertOut(Out):
    """An alert; ``message`` is in the language asked for and never names a title."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    type: AlertType
    severity: Severity
    subject_kind: SubjectKind
    subject: str
    rule: str | None
    message: str
    first_seen: datetime
    last_seen: datetime
    count: int
    state: AlertState
    details: dict[str, str]
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    note: str
    escalation: int


class AckIn(Model):
    """Acknowledge an alert."""

    note: Text = ""


class ResolveIn(Model):
    """Resolve an alert, saying what was found and done."""

    note: Text = Field(min_length=1)
