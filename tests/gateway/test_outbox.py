"""The gateway's durable outbox on a real SQLite file: what is put survives a restart of
the gateway, in order, once per event id; acknowledged observations go; refused ones
move to the dead letters; and each batch is one transaction (one sync to disk for a
hundred observations, not a hundred — the alarm benchmark's profile found the logic
thread waiting behind per-row commits). The spool that writes for the gateway's logic
thread keeps the order and writes what is left when it stops."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from tracker.gateway.outbox import Outbox, Spool
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


def test_the_spool_writes_everything_in_order_and_the_rest_at_stop(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    saved = threading.Event()
    spool = Spool(box, saved.set).start()
    for i in range(0, 300, 3):
        spool.put([obs(i), obs(i + 1), obs(i + 2)])
    assert saved.wait(5)
    deadline = time.monotonic() + 10
    while not spool.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert spool.idle()
    assert [o.event_id for _, o in box.peek(1000)] == [f"gw:x:{i}" for i in range(300)]
    spool.stop()
    spool.put([obs(300)])  # queued after the thread stopped: written by the next stop
    assert not spool.idle()
    spool.stop()
    assert box.counts() == (301, 0) and spool.idle()
