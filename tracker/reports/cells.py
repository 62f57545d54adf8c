"""How a register's cell values read as text (PDF, CSV), the same in every format."""

from __future__ import annotations

from datetime import date, datetime

from tracker.services.registers.base import Cell


def cell_text(value: Cell) -> str:
    """A cell as the book prints it: local times to the minute, dates, numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)
