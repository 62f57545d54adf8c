"""The gateway's durable outbox on a real SQLite file: what is put survives a restart of
the gateway, in order, once per event id; acknowledged observations go; refused ones
move to the dead letters; and each batch is one transaction (one sync to disk for a
hundred observations, not a hundred — the alarm benchmark's profile found the logic
thread waiting behind per-row commits)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracker.gateway.outbox import Outbox
from tracker.services.movement import Observation

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def obs(n: int) -> Observation:
    return Observation(
        f"gw:x:{n}", "crossing", AT, code=f"EPC{n}", door="door-exit", direction="out"
    )


def test_what_is_put_survives_a_restart_in_order_once_per_event(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path)
    box.put([obs(1), obs(2)])
    box.put([obs(2), obs(3)])  # a repeated event id is not queued twice
    box.close()
    again = Outbox(path)
    pending = again.peek(10)
    assert [o.event_id for _, o in pending] == ["gw:x:1", "gw:x:2", "gw:x:3"]
    assert pending[0][1] == obs(1)
    again.ack([pending[0][0]])
    again.bury([pending[1][0]], "refused: bad door")
    assert again.counts() == (1, 1)
    assert [o.event_id for _, o in again.peek(10)] == ["gw:x:3"]


def test_each_batch_is_one_transaction(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    statements: list[str] = []
    box._db.set_trace_callback(statements.append)
    box.put([obs(i) for i in range(100)])
    box.ack([rid for rid, _ in box.peek(100)])
    commits = [s for s in statements if s.strip().upper() == "COMMIT"]
    assert len(commits) == 2  # one for the hundred inserts, one for the hundred deletes
    assert box.counts() == (0, 0)
