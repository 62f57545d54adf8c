"""Where the time of a door alarm goes: bench_alarm.py with its stages timed.

    .venv/bin/python bench/profile_alarm.py --mode up          # the full 20 doors, ~5 min
    .venv/bin/python bench/profile_alarm.py --mode up --doors 20 --ok 10 --bad 5

Runs bench_alarm.py unchanged, with timers wrapped around (in the gateway's process):
the first outer read of each tag as the driver delivered it, ``Portal.on_outer`` (the
logic thread reaching the read), the relay command written to the line, and every
``Outbox.put`` / ``Outbox.ack``, ``ServiceSink.send`` and table computation. Prints,
per run, the lag from the driver's read to ``on_outer`` and from the relay decision to
the write, then the longest lags with the timed spans that overlapped them — what the
logic thread was waiting behind. (This is how the figures of bench/RESULTS.md's door
alarm section were explained.)
"""

from __future__ import annotations

import bisect
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_alarm

from drivers.transport import SerialTransport
from tracker.gateway import alarm, outbox, sinks
from tracker.services import authz

_lock = threading.Lock()
OUTER: dict[str, float] = {}
SETS: list[tuple[str, float]] = []
WRITES: list[tuple[str, float]] = []
SPANS: list[tuple[str, float, float]] = []


def _timed(name: str, fn: Any) -> Any:
    def wrapped(*a: Any, **k: Any) -> Any:
        t = time.monotonic()
        try:
            return fn(*a, **k)
        finally:
            with _lock:
                SPANS.append((name, t, time.monotonic()))

    return wrapped


def _instrument() -> None:
    on_outer, relays, write = (
        alarm.Portal.on_outer,
        alarm.AlarmController._relays,
        SerialTransport.write,
    )

    def timed_on_outer(self: Any, door: str, epc: str, at: float) -> None:
        with _lock:
            OUTER.setdefault(epc, time.monotonic())
        on_outer(self, door, epc, at)

    def timed_relays(self: Any, a: Any, channels: Any, on: bool) -> None:
        if on:
            with _lock:
                SETS.append((a.output, time.monotonic()))
        relays(self, a, channels, on)

    def timed_write(self: Any, data: bytes) -> None:
        write(self, data)
        if len(data) == 4 and data[0] == 0xA0 and data[2] == 1:  # an LCUS "on"
            with _lock:
                WRITES.append((Path(self.url).name.removeprefix("usb-"), time.monotonic()))

    alarm.Portal.on_outer = timed_on_outer  # type: ignore[method-assign]
    alarm.AlarmController._relays = timed_relays  # type: ignore[method-assign]
    SerialTransport.write = timed_write  # type: ignore[method-assign]
    authz.current = _timed("table.current", authz.current)
    sinks.ServiceSink.send = _timed("sink.send", sinks.ServiceSink.send)  # type: ignore[method-assign]
    outbox.Outbox.put = _timed("outbox.put", outbox.Outbox.put)  # type: ignore[method-assign]
    outbox.Outbox.ack = _timed("outbox.ack", outbox.Outbox.ack)  # type: ignore[method-assign]


def _ms(values: list[float], p: float) -> float:
    return (
        values[min(len(values) - 1, int(len(values) * p / 100))] * 1000 if values else float("nan")
    )


def _report(mode: str, first: dict[str, float]) -> None:
    lags = sorted((OUTER[e] - first[e], e) for e in OUTER if e in first)
    values = [x for x, _ in lags]
    print(
        f"[{mode}] driver read → on_outer: p50 {_ms(values, 50):.1f}  p99 {_ms(values, 99):.1f}"
        f"  max {_ms(values, 100):.1f} ms (n={len(values)})"
    )
    writes: dict[str, list[float]] = {}
    for board, t in WRITES:
        writes.setdefault(board, []).append(t)
    to_write = []
    for board, t in SETS:
        ts = sorted(writes.get(board, []))
        i = bisect.bisect_left(ts, t)
        if i < len(ts):
            to_write.append(ts[i] - t)
    to_write.sort()
    print(
        f"[{mode}] relay decided → written: p50 {_ms(to_write, 50):.1f}  "
        f"p99 {_ms(to_write, 99):.1f}  max {_ms(to_write, 100):.1f} ms"
    )
    for name in sorted({s[0] for s in SPANS}):
        d = sorted(b - a for n, a, b in SPANS if n == name)
        print(
            f"  {name:<14} n {len(d):>5}  p50 {_ms(d, 50):6.1f}  p99 {_ms(d, 99):6.1f}  "
            f"max {_ms(d, 100):6.1f} ms  total {sum(d):5.1f} s"
        )
    print("  longest lags, with the spans that overlapped them (name, start, length in ms):")
    for lag, epc in lags[-8:][::-1]:
        t0, t1 = first[epc], OUTER[epc]
        over = [
            (n, round((a - t0) * 1e3), round((b - a) * 1e3))
            for n, a, b in SPANS
            if a < t1 and b > t0
        ]
        print(f"    {lag * 1e3:6.0f} ms  {over[:5]}")


def main() -> None:
    """bench_alarm's main, each run timed and reported."""
    _instrument()
    run = bench_alarm.run
    opener = bench_alarm.opener
    firsts: dict[str, dict[str, float]] = {}

    def noting_opener(outer: set[str], first: dict[str, float]) -> Any:
        firsts["first"] = first
        return opener(outer, first)

    def timed_run(args: Any, mode: str) -> dict[str, Any]:
        for store in (OUTER, SETS, WRITES, SPANS):
            store.clear()
        result = run(args, mode)
        _report(mode, firsts["first"])
        return result

    bench_alarm.opener = noting_opener  # type: ignore[assignment]
    bench_alarm.run = timed_run  # type: ignore[assignment]
    bench_alarm.main()


if __name__ == "__main__":
    main()
