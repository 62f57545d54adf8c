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
    # What sets it apart from other findings of its rule about the same subject, when
    # each deserves an alert of its own (R16: one per person); "" for one alert in all.
    key: str = ""
