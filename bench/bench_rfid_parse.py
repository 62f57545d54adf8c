"""RFID parsing throughput on one core, against the serial line's ceiling.

    .venv/bin/python bench/bench_rfid_parse.py [--frames N] [--repeat R]

Measured in the same run:

- M100 tag notifications through the real driver path (``M100Reader`` receiving chunks:
  framer → checks → ``TagRead`` → callback), fed in 64-byte chunks (what a read() at
  115200 baud typically returns) and 4096-byte chunks, clean and with 10 % of frames
  damaged plus noise. Ceiling: 115200 baud / (24 bytes × 10 bits) = 480 notifications/s.
- RDM6300 frames through ``BadgeReader``; ceiling 9600 / (14 × 10) ≈ 69 frames/s.
- LLRP RO_ACCESS_REPORTs through ``LLRPReader`` (framer → TagReportData → antenna map →
  ``TagRead``), one tag per report (ROReportSpec N = 1, what the driver asks for) and
  20 per report, in 1460-byte chunks (one TCP segment). Ceiling: a reader's 100 Mbit/s
  port carrying nothing but those reports (52 bytes per one-tag report).
- UHFReader18 inventory answers through ``ChafonReader``, one tag and 15 tags (the most
  96-bit EPCs one frame holds) per answer, in 64-byte chunks. Ceiling: 57600 baud / 10
  bits per byte over the answer's bytes (the inventory commands going the other way
  ignored), in tags/s.
- Door logic (``DoorLogic.on_tag`` + 10 Hz ticks) on sweeps of tags through a door;
  ceiling: 20 doors × 2 readers × 480 reads/s = 19,200 reads/s for a whole site.

Each figure is the median of ``--repeat`` runs; the process is pinned to one CPU.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable

from drivers import llrp
from drivers.chafon import InventoryAnswer
from drivers.chafon_reader import ChafonReader
from drivers.em4100 import Rdm6300Frame
from drivers.llrp_params import TagReport
from drivers.llrp_reader import LLRPReader
from drivers.m100 import TagNotification
from drivers.readers import BadgeReader, M100Reader
from drivers.reads import TagRead
from tracker.domain.model import Door
from tracker.domain.site import DoorConfig
from tracker.gateway.door import DoorLogic

M100_CEILING = 115200 / (24 * 10)
RDM6300_CEILING = 9600 / (14 * 10)
SITE_CEILING = 20 * 2 * M100_CEILING
ETHERNET = 100e6 / 8  # bytes/s on a reader's 100 Mbit/s port
CHAFON_LINE = 57600 / 10  # bytes/s


def m100_stream(frames: int, damaged: float, rng: random.Random) -> tuple[bytes, int]:
    """Notifications for 1000 EPCs; a ``damaged`` share gets a flipped byte and noise."""
    epcs = [bytes.fromhex(f"3034257BF4{i:014X}") for i in range(1000)]
    out = bytearray()
    good = 0
    for i in range(frames):
        frame = TagNotification.build(epcs[i % len(epcs)], -40 - i % 40).to_bytes()
        if damaged and rng.random() < damaged:
            bad = bytearray(frame)
            bad[rng.randrange(5, 22)] ^= 0x5A
            out += rng.randbytes(rng.randint(1, 8)) + bad
        else:
            out += frame
            good += 1
    return bytes(out), good


def chunked(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into read()-sized pieces."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median seconds of ``repeat`` runs and the count the function returned."""
    times, count = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), count


def bench_m100(chunks: list[bytes], repeat: int) -> tuple[float, int]:
    """The M100 driver path over ``chunks``: median seconds, reads delivered."""

    def run() -> int:
        n = 0

        def on_read(_read: TagRead) -> None:
            nonlocal n
            n += 1

        reader = M100Reader("loop://", "bench", on_read)  # never started: no port opened
        for chunk in chunks:
            reader._on_data(chunk)
        return n

    return timed(run, repeat)


def bench_rdm6300(frames: int, repeat: int) -> tuple[float, int]:
    """The RDM6300 driver path: median seconds, reads delivered."""
    data = b"".join(Rdm6300Frame(i.to_bytes(5, "big")).to_bytes() for i in range(frames))
    chunks = chunked(data, 64)

    def run() -> int:
        n = 0

        def on_read(_read: object) -> None:
            nonlocal n
            n += 1

        reader = BadgeReader("loop://", "bench", on_read)
        for chunk in chunks:
            reader._on_data(chunk)
        return n

    return timed(run, repeat)


def llrp_stream(reports: int, per_report: int) -> tuple[bytes, int]:
    """RO_ACCESS_REPORTs of ``per_report`` tags each, as the simulator and real readers
    send them (EPC-96, ROSpecID, antenna 1-4, peak RSSI, first seen, count, PC)."""
    out = bytearray()
    for i in range(reports):
        tags = tuple(
            TagReport(
                bytes.fromhex(f"3034257BF4{(i * per_report + j) % 1000:014X}"),
                antenna=1 + j % 4,
                peak_rssi=-40 - j % 30,
                first_seen_us=1_700_000_000_000_000 + i,
                seen_count=1,
                pc=0x3000,
                rospec_id=1,
            )
            for j in range(per_report)
        )
        out += llrp.ROAccessReport(tags=tags).to_bytes()
    return bytes(out), reports * per_report


def bench_llrp(chunks: list[bytes], repeat: int) -> tuple[float, int]:
    """The LLRP driver path over ``chunks``: median seconds, reads delivered."""

    def run() -> int:
        n = 0

        def on_read(_read: TagRead) -> None:
            nonlocal n
            n += 1

        antennas = {1: "in", 2: "in", 3: "out", 4: "out"}
        reader = LLRPReader("llrp://bench", "bench", on_read, antennas=antennas)  # not started
        for chunk in chunks:
            reader._received(None, chunk)
        return n

    return timed(run, repeat)


def chafon_stream(answers: int, per_answer: int) -> tuple[bytes, int]:
    """Inventory answers of ``per_answer`` 96-bit EPCs each."""
    out = bytearray()
    for i in range(answers):
        epcs = tuple(
            bytes.fromhex(f"3034257BF4{(i * per_answer + j) % 1000:014X}")
            for j in range(per_answer)
        )
        out += InventoryAnswer(epcs).to_bytes()
    return bytes(out), answers * per_answer


def bench_chafon(chunks: list[bytes], repeat: int) -> tuple[float, int]:
    """The UHFReader18 driver path over ``chunks``: median seconds, reads delivered."""

    def run() -> int:
        n = 0

        def on_read(_read: TagRead) -> None:
            nonlocal n
            n += 1

        reader = ChafonReader("loop://", "bench", on_read)  # never started: no port opened
        reader._send = lambda _data: True  # type: ignore[method-assign]  # no line to ask on
        for chunk in chunks:
            reader._on_data(chunk)
        return n

    return timed(run, repeat)


def door_reads(tags: int) -> list[TagRead]:
    """Reads of ``tags`` tags carried in through a door, one every 0.25 s."""
    reads = []
    for t in range(tags):
        t0 = t * 0.25
        for zone, offset in (("out", 0.0), ("in", 0.6)):
            for i in range(34):
                frac = i / 33
                rssi = round(-75 + 30 * (1 - abs(2 * frac - 1)))
                reads.append(
                    TagRead(f"3034257BF4{t:014X}", 0x3000, rssi, f"d-{zone}", t0 + offset + frac)
                )
    reads.sort(key=lambda r: r.at)
    return reads


def bench_door(tags: int, repeat: int) -> tuple[float, int]:
    """Door logic over :func:`door_reads`: median seconds, reads fed."""
    reads = door_reads(tags)

    def run() -> int:
        logic = DoorLogic(DoorConfig(Door("d", "d", "in", "out"), ("d-in",), ("d-out",)))
        crossings = 0
        next_tick = 0.0
        for read in reads:
            crossings += len(logic.on_tag(read))
            if read.at >= next_tick:
                crossings += len(logic.tick(read.at))
                next_tick = read.at + 0.1
        crossings += len(logic.tick(reads[-1].at + 10))
        assert crossings == tags, crossings
        return len(reads)

    return timed(run, repeat)


def main() -> None:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(1)
    clean, clean_good = m100_stream(args.frames, 0.0, rng)
    dirty, dirty_good = m100_stream(args.frames, 0.10, rng)
    print(f"python {sys.version.split()[0]}, one core, median of {args.repeat} runs\n")
    print(f"{'case':52} {'frames/s':>12} {'ceiling/s':>10} {'ratio':>8}")
    rows = [
        ("M100 notifications, clean, 64-byte reads", clean, 64, clean_good),
        ("M100 notifications, clean, 4096-byte reads", clean, 4096, clean_good),
        ("M100, 10% damaged + noise, 64-byte reads", dirty, 64, dirty_good),
    ]
    for name, data, size, good in rows:
        seconds, count = bench_m100(chunked(data, size), args.repeat)
        assert count == good, (count, good)
        row(name, count / seconds, M100_CEILING)
    seconds, count = bench_rdm6300(args.frames // 4, args.repeat)
    row("RDM6300 frames, 64-byte reads", count / seconds, RDM6300_CEILING)
    for per in (1, 20):
        data, tags = llrp_stream(args.frames // per, per)
        seconds, count = bench_llrp(chunked(data, 1460), args.repeat)
        assert count == tags, (count, tags)
        ceiling = ETHERNET / (len(data) / tags)
        row(f"LLRP reports, {per} tag(s) each, tags/s", count / seconds, ceiling)
    for per in (1, 15):
        data, tags = chafon_stream(args.frames // per // 2, per)
        seconds, count = bench_chafon(chunked(data, 64), args.repeat)
        assert count == tags, (count, tags)
        ceiling = CHAFON_LINE / (len(data) / tags)
        row(f"UHFReader18 answers, {per} tag(s) each, tags/s", count / seconds, ceiling)
    seconds, count = bench_door(300, args.repeat)
    row("door logic, reads/s (300 tags crossing)", count / seconds, SITE_CEILING)


def row(name: str, rate: float, ceiling: float) -> None:
    """One line of the table."""
    print(f"{name:52} {rate:12,.0f} {ceiling:10,.0f} {rate / ceiling:7,.1f}x")


if __name__ == "__main__":
    main()
