"""What the ingest path checks beyond an event's shape: that its time is believable
against the server clock, and that a device does not reuse an event id for an event
with other content. Idempotency is per (device, event id): ids are the gateway's own."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tracker.domain.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from tracker.services.movement import Observation


@dataclass(frozen=True)
class TimeLimits:
    """How far an event's time may be from the server clock: a gateway clock running
    ahead must not freeze a carrier's location in the future, and nothing older than a
    gateway's outbox keeps is believable."""

    max_ahead: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=7)


def check_time(obs: Observation, now: datetime, limits: TimeLimits) -> None:
    """InvalidInput naming the event and the limit when ``obs.at`` is too far ahead of
    ``now`` or too old."""
    ahead = obs.at - now
    if ahead > limits.max_ahead:
        raise InvalidInput(
            "at",
            f"event {obs.event_id} is {_span(ahead)} ahead of the server clock; at most "
            f"{_span(limits.max_ahead)} ahead is accepted (check the gateway's clock)",
            zh=f"事件 {obs.event_id} 的时间比服务器时钟快{_span(ahead)}，最多允许快"
            f"{_span(limits.max_ahead)}（请检查网关时钟）",
        )
    if -ahead > limits.max_age:
        raise InvalidInput(
            "at",
            f"event {obs.event_id} is {_span(-ahead)} old; events older than "
            f"{_span(limits.max_age)} are not accepted",
            zh=f"事件 {obs.event_id} 已过去{_span(-ahead)}，"
            f"超过{_span(limits.max_age)}的事件不予接收",
        )


def _span(d: timedelta) -> str:
    s = int(d.total_seconds())
    if s >= 86400:
        return f"{s // 86400} d"
    if s >= 3600:
        return f"{s // 3600} h"
    if s >= 60:
        return f"{s // 60} min"
    return f"{s} s"


_LATER = frozenset({"desk", "codes"})  # Observation fields added by issue 15


def digest(obs: Observation) -> str:
    """SHA-256 of what an event says (everything but its id): the same id from the same
    device with other content is a different event reusing the id."""
    # Fields added later count only when set, so an event's digest never changes.
    # The fields as they are: the same JSON text as dataclasses.asdict gave (no field
    # holds a dataclass, keys are sorted) without its deep copy, which cost more than
    # the hashing.
    body = {
        k: v
        for k, v in obs.__dict__.items()
        if k != "event_id" and not (k in _LATER and v in (None, (), []))
    }
    body["at"] = obs.at.astimezone(UTC).isoformat()
    body["source"] = obs.source.value
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class EventIdReused(Conflict):
    """A device sent an event id it used before for an event with other content."""

    code = "event_id_reused"

    def __init__(self, event_id: str, field: str = "event_id") -> None:
        super().__init__(
            f"event id {event_id!r} was already used by this device for a different event; "
            "give every event its own id",
            zh=f"事件编号 {event_id!r} 已被该设备用于内容不同的事件，每个事件须有唯一编号",
        )
        self.field = field
