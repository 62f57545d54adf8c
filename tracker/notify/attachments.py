"""Rendering a notification's attachments when it is sent: the outbox keeps what a file
is made from (:class:`~tracker.domain.attachments.Attachment`), the sender turns it into
bytes here. A kind nobody can render is a delivery error (kept, retried, visible)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracker.domain.attachments import Attachment
from tracker.domain.errors import TrackerError


@dataclass(frozen=True)
class File:
    """An attachment ready to send."""

    filename: str
    content_type: str
    data: bytes


def _summary_pdf(att: Attachment, lang: str = "zh") -> bytes:
    from tracker.reports.summary import summary_pdf
    from tracker.services.registers.stats import Summary

    return summary_pdf(Summary.from_json(att.data), lang)


RENDERERS: dict[str, Callable[[Attachment], bytes]] = {
    "summary_pdf": _summary_pdf,
    "summary_pdf_en": lambda att: _summary_pdf(att, "en"),
}


def render(att: Attachment) -> File:
    """The file ``att`` describes; TrackerError when its kind is unknown."""
    fn = RENDERERS.get(att.kind)
    if fn is None:
        raise TrackerError(
            f"attachment {att.filename}: no renderer for {att.kind!r}",
            zh=f"附件 {att.filename}：无法生成类型 {att.kind!r}",
        )
    try:
        data = fn(att)
    except (ValueError, KeyError, TypeError, OSError, RuntimeError) as exc:
        # A report that cannot be made stays in the outbox, retried and visible.
        raise TrackerError(
            f"attachment {att.filename} could not be made: {exc}",
            zh=f"附件 {att.filename} 生成失败：{exc}",
        ) from exc
    return File(att.filename, att.content_type, data)
