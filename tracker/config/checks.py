"""Collecting the problems of a site file, and the small checks every section uses.

Each check takes the key it is looking at and reports what is wrong with it to a
:class:`Problems`, then returns a usable stand-in, so one pass finds every problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from tracker.domain.errors import ConfigError, InvalidInput
from tracker.domain.levels import Level

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Problems:
    """Collects every problem found, then raises them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        """Note that ``key`` is wrong, and why."""
        self.items.append(f"{self.source}: {key}: {message}")

    def raise_if_any(self) -> None:
        """Raise one :class:`ConfigError` listing every problem noted."""
        if self.items:
            raise ConfigError(
                "invalid site file:\n  " + "\n  ".join(self.items),
                zh="站点文件有误：\n  " + "\n  ".join(self.items),
            )


def table(data: Mapping[str, Any], key: str, probs: Problems) -> Mapping[str, Any]:
    """``data[key]`` as a table (empty when missing)."""
    val = data.get(key, {})
    if not isinstance(val, Mapping):
        probs.add(key, "must be a table")
        return {}
    return val


def array(data: Mapping[str, Any], key: str, probs: Problems) -> list[Mapping[str, Any]]:
    """``data[key]`` as an array of tables (empty when missing)."""
    val = data.get(key, [])
    if not isinstance(val, list) or not all(isinstance(x, Mapping) for x in val):
        probs.add(key, f"must be an array of tables ([[{key}]])")
        return []
    return val


def level(value: Any, key: str, probs: Problems) -> Level | None:
    """A classification level, or None when absent or unknown."""
    if value is None:
        return None
    try:
        return Level.parse(str(value), key)
    except InvalidInput:
        names = ", ".join(lv.value for lv in Level)
        probs.add(key, f"unknown level {value!r} (expected one of {names})")
        return None


def enum(cls: Any, value: Any, key: str, probs: Problems) -> Any:
    """A member of the enum ``cls``, or None when ``value`` is not one."""
    try:
        return cls(value)
    except ValueError:
        names = ", ".join(m.value for m in cls)
        probs.add(key, f"unknown value {value!r} (expected one of {names})")
        return None


def ref(value: Any, known: set[str], key: str, what: str, probs: Problems) -> str | None:
    """A reference to one of ``known`` (a ``what``), or None."""
    if value is None:
        return None
    if value not in known:
        probs.add(key, f"unknown {what} {value!r}")
        return None
    return str(value)


def refs(values: Any, known: set[str], key: str, what: str, probs: Problems) -> tuple[str, ...]:
    """A list of references to ``known`` (a single string counts as a list of one)."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        probs.add(key, f"must be a list of {what} ids")
        return ()
    out = []
    for v in values:
        r = ref(v, known, key, what, probs)
        if r:
            out.append(r)
    return tuple(out)


def positive(value: Any, key: str, probs: Problems) -> float:
    """A positive number of seconds (1.0 stands in for a bad one)."""
    try:
        f = float(value)
        if f <= 0:
            raise ValueError
        return f
    except (TypeError, ValueError):
        probs.add(key, f"must be a positive number of seconds, not {value!r}")
        return 1.0


def time_of_day(value: Any, key: str, probs: Problems) -> time:
    """A time of day written ``HH:MM`` (or a TOML time)."""
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        probs.add(key, f"not a time of day: {value!r} (write HH:MM)")
        return time(0, 0)


def dates(values: Any, key: str, probs: Problems) -> list[date]:
    """A list of dates written ``YYYY-MM-DD`` (or TOML dates)."""
    out = []
    for v in values if isinstance(values, list) else [values]:
        if isinstance(v, date):
            out.append(v)
            continue
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            probs.add(key, f"not a date: {v!r} (write YYYY-MM-DD)")
    return out
