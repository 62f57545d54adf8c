"""An attachment of a notification in the outbox (the monthly report's PDF).

The outbox keeps what the attachment is made from — a document kind and its data as
JSON, frozen when the notification was written — and the sender renders it when it
sends: the service layer stays free of rendering libraries, and every retry sends the
same report the scheduled run decided on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Attachment:
    """One file to send with a notification."""

    id: str
    notification: str  # the notification's id
    filename: str
    content_type: str  # e.g. application/pdf
    kind: str  # what renders it, e.g. "summary_pdf"
    data: str  # JSON the renderer reads
    created_at: datetime
