"""What a rule finds wrong about something that already happened, to become an alert."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.domain.model import AlertType, Severity


@dataclass(frozen=True)
class Finding:
    """Something a rule found wrong, to become an alert: its type, severity, the rule,
    and the message in English and Chinese (never a carrier's title)."""

    type: AlertType
    severity: Severity
    rule: str
    message: str
    zh: str
    details: dict[str, str] = field(default_factory=dict)
