"""Door alarm benchmark (issue 14): 20 doors, ONE gateway with the real drivers, first
outer-zone read → relay energised, with the service up and with it stopped.

    .venv/bin/python bench/bench_alarm.py                       # 20 doors, 1,000 + 500
    .venv/bin/python bench/bench_alarm.py --doors 4 --ok 5 --bad 3   # a quick run

Set-up (as bench/bench_doors.py, plus the alarms):

* the generated site of bench_doors (N secure rooms, one door each onto a corridor, an
  inner and an outer M100 reader and an RDM6300 badge reader per door) with an LCUS relay
  module per door (``relay-NN``: the stack light on relay 1, steady, off by itself after
  ``--off-after`` s);
* a CHILD process runs every simulator — 3 × N reader simulators and N LCUS relay
  simulators, each on its own real pty — and carries tags through doors on request; each
  relay simulator notes the monotonic time every command arrived (one system-wide clock
  for both processes);
* the gateway process: ``tracker.gateway.runner.Gateway`` with the real reader and relay
  drivers, a durable outbox, the authorization table kept on disk, and either the
  services in process (``up``: ``ServiceSink`` + the in-process table feed) or a sink
  that refuses everything and no feed (``stopped``: the gateway decides from the table
  it last had; afterwards the service comes back and the outbox must drain).

Per door, ``--ok`` authorized crossings (secret carriers, which may cross into the
corridor; half carried out, half carried in) and ``--bad`` unauthorized ones (top-secret
carriers carried out of the secure room, R2), shuffled, one every ``--interval`` s. A
fresh carrier for each crossing. Measured: first outer-zone read (the driver's read
callback, wrapped) → the relay simulator receiving the "on" command; false alarms (an
"on" command within 1.5 s after an authorized carrier's first outer read at its door,
or an alarm decision for it); missed alarms (no "on" within 1.5 s of an unauthorized
one's, unless it was decided "denied" while the door's light was still on from the
crossing before — counted apart, and not in the latency, since no new command is sent).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT, environment, item, load, services_on, sqlite_url, use_random_ledger_key
from bench_doors import ALICE_BADGE, site_toml, stats

from drivers.reads import BadgeRead, TagRead
from tracker.bootstrap import open_reader
from tracker.config import ReaderConfig, load_site
from tracker.domain.clock import SystemClock
from tracker.domain.errors import TransientError
from tracker.domain.levels import Level
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions, ReaderHandle, clock_time
from tracker.gateway.sinks import ServiceSink
from tracker.gateway.table import ServiceFeed, TableStore
from tracker.services import authz
from tracker.services.movement import Observation
from tracker.services.receive import ReceiveBatch, receive

WINDOW = 1.5  # an "on" this long after a first outer read belongs to it


def alarm_site(doors: int, off_after: float) -> str:
    """bench_doors' site with an LCUS relay module and an alarm at every door."""
    text = site_toml(doors)

    def add_alarm(m: re.Match[str]) -> str:
        n = m.group(1)
        return (
            f'{m.group(0)}\nalarm = {{ output = "relay-{n}", light = 1, pattern = "steady", '
            f"buzzer_seconds = 0, off_after = {off_after} }}"
        )

    text = re.sub(r'badge_readers = \["door-(\d+)-badge"\]', add_alarm, text)
    for d in range(1, doors + 1):
        text += (
            f'\n[[outputs]]\nid = "relay-{d:02d}"\nprotocol = "lcus"\n'
            f'url = "/dev/serial/by-id/usb-relay-{d:02d}"\n'
        )
    return text


# --- the simulators, in their own process ------------------------------------------------


def _simulator_process(site_file: str, folder: str, conn: Any) -> None:
    from simulators.office import SimulatedOffice
    from simulators.relay import LcusSimulator

    site = load_site(site_file)
    office = SimulatedOffice(site, folder).start()
    relays = {o.id: LcusSimulator(Path(folder) / Path(o.url).name).start() for o in site.outputs}
    conn.send("started")
    try:
        while True:
            msg = conn.recv()
            if msg[0] == "ready":
                conn.send(office.ready(None, msg[1]))
            elif msg[0] == "carry":
                _, door, direction, tags, badges = msg
                office.carry(door, direction, tags, badges, zone_seconds=1.0, gap=0.6)
                conn.send(True)
            elif msg[0] == "log":
                conn.send(
                    {
                        r: [(c.at, c.relay, c.on) for c in sim.log.commands]
                        for r, sim in relays.items()
                    }
                )
            elif msg[0] == "stop":
                break
    finally:
        office.stop()
        for sim in relays.values():
            sim.stop()
        conn.send("stopped")


class Simulators:
    """The parent's handle on the simulator process."""

    def __init__(self, site_file: Path, folder: Path) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._lock = threading.Lock()
        self.proc = ctx.Process(
            target=_simulator_process, args=(str(site_file), str(folder), child), daemon=True
        )
        self.proc.start()
        if not self._conn.poll(60) or self._conn.recv() != "started":
            raise RuntimeError("the simulator process did not start")

    def call(self, *msg: Any) -> Any:
        """One request, one answer."""
        with self._lock:
            self._conn.send(msg)
            return self._conn.recv()

    def stop(self) -> None:
        """Stop the simulators."""
        try:
            self.call("stop")
        finally:
            self.proc.join(10)


class DownSink:
    """The service is unreachable while ``down``."""

    def __init__(self, inner: ServiceSink) -> None:
        self.inner, self.down = inner, True

    def send(self, batch: Sequence[Observation]) -> None:
        """Refuse while down."""
        if self.down:
            raise TransientError("the service is stopped")
        self.inner.send(batch)


def opener(outer: set[str], first: dict[str, float]) -> Callable[..., ReaderHandle]:
    """``open_reader`` noting each EPC's first read by an outer reader."""

    def open_hooked(
        cfg: ReaderConfig, on_read: Callable[[TagRead | BadgeRead], None]
    ) -> ReaderHandle:
        if cfg.id not in outer:
            return open_reader(cfg, on_read)

        def hooked(read: TagRead | BadgeRead) -> None:
            if isinstance(read, TagRead) and read.epc not in first:
                first[read.epc] = read.at
            on_read(read)

        return open_reader(cfg, hooked)

    return open_hooked


def run(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """One run with the service ``up`` or ``stopped``."""
    OUT.mkdir(parents=True, exist_ok=True)
    site_file = OUT / f"site-{args.doors}-alarms.toml"
    site_file.write_text(alarm_site(args.doors, args.off_after), encoding="utf-8")
    folder = OUT / f"bench-alarm-{mode}-by-id"
    outbox_file = OUT / f"bench_alarm_{mode}_outbox.sqlite"
    table_file = OUT / f"bench_alarm_{mode}_authz.json"
    for p in (outbox_file, Path(f"{outbox_file}-wal"), Path(f"{outbox_file}-shm"), table_file):
        p.unlink(missing_ok=True)
    sims = Simulators(site_file, folder)
    from simulators.office import SimulatedOffice

    sim_site = SimulatedOffice(load_site(site_file), folder).site
    outputs = tuple(
        o.__class__(**{**o.__dict__, "url": str(folder / Path(o.url).name)})
        for o in sim_site.outputs
    )
    from dataclasses import replace

    sim_site = replace(sim_site, outputs=outputs)
    engine, svc = services_on(sqlite_url(f"bench_alarm_{mode}"), SystemClock(), site_file)
    svc.site = sim_site
    plan: list[tuple[str, str, str, bool]] = []  # door, epc, direction, authorized
    rng = random.Random(args.seed)
    for d in sim_site.doors:
        room = d.door.inner
        ok = [item(i, Level.SECRET, home_room=room, home_safe=None) for i in range(args.ok)]
        bad = [item(i, Level.TOP_SECRET, home_room=room, home_safe=None) for i in range(args.bad)]
        got_ok = receive(svc, "carol", ReceiveBatch(ok, len(ok), "某部机要局"))
        got_bad = receive(svc, "carol", ReceiveBatch(bad, len(bad), "某部机要局"))
        rows = [
            (d.door.id, c.epc or "", "out" if i % 2 else "in", True) for i, c in enumerate(got_ok)
        ]
        rows += [(d.door.id, c.epc or "", "out", False) for c in got_bad]
        rng.shuffle(rows)
        plan.extend(rows)
    table = TableStore(table_file)
    sink: Any = ServiceSink(svc, "gw-bench")
    feed = None
    if mode == "up":
        feed = ServiceFeed(authz.feed(svc))
    else:
        table.replace(authz.current(svc))  # the last table it had
        sink = DownSink(sink)
    first: dict[str, float] = {}
    outer = {r for d in sim_site.doors for r in d.outer_readers}
    gw = Gateway(
        sim_site,
        sink,
        Outbox(outbox_file),
        opener(outer, first),
        GatewayOptions("gw-bench", heartbeat_every=5.0, retry_min=0.2, retry_max=1.0),
        to_time=clock_time(svc.clock),
        table=table,
        feed=feed,
    ).start()
    try:
        if not sims.call("ready", 30.0):
            raise RuntimeError("the M100 simulators were not all polling within 30 s")
        time.sleep(1.0)
        load_before = load()
        print(
            f"[{mode}] {len(plan)} crossings over {args.doors} doors; load {load_before}",
            flush=True,
        )
        by_door: dict[str, list[tuple[str, str, str, bool]]] = {}
        for row in plan:
            by_door.setdefault(row[0], []).append(row)

        def door_loop(rows: list[tuple[str, str, str, bool]], seed: float) -> None:
            r = random.Random(seed)
            time.sleep(r.uniform(0, args.interval))
            for door, epc, direction, _ok in rows:
                started = time.monotonic()
                sims.call("carry", door, direction, (epc,), (ALICE_BADGE,))
                time.sleep(
                    max(0.0, args.interval * r.uniform(0.8, 1.2) - (time.monotonic() - started))
                )

        threads = [
            threading.Thread(target=door_loop, args=(rows, rng.random()), daemon=True)
            for rows in by_door.values()
        ]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(3.0)
        duration = time.monotonic() - t0
        load_after = load()
        log = sims.call("log")
        drained = None
        if mode == "stopped":
            pending = gw.outbox.counts()[0]
            sink.down = False
            deadline = time.monotonic() + 120
            while gw.outbox.counts()[0] and time.monotonic() < deadline:
                time.sleep(0.2)
            drained = {
                "pending_while_stopped": pending,
                "left_after_reconnect": gw.outbox.counts()[0],
            }
    finally:
        gw.stop()
        sims.stop()
    decisions = {(door, epc): reason for _, door, epc, reason in gw.portal.decisions}
    light = {  # door -> its light's commands (time, on), as the relay simulator got them
        "door-" + r.split("-")[1]: sorted((at, on) for at, relay, on in cmds if relay == 1)
        for r, cmds in log.items()
    }
    latency, missed, false_alarms, unseen, sounding = [], 0, 0, 0, 0
    for door, epc, _direction, ok in plan:
        if epc not in first:
            unseen += 1
            continue
        t = first[epc]
        cmds = light.get(door, [])
        hit = next((x for x, on in cmds if on and t - 0.005 <= x <= t + WINDOW), None)
        if ok:
            if decisions.get((door, epc), "allowed") != "allowed" or hit is not None:
                false_alarms += 1
        elif hit is not None:
            latency.append(hit - t)
        elif decisions.get((door, epc)) == "denied" and _on_at(cmds, t):
            sounding += 1  # decided, and the light was still on from the crossing before
        else:
            missed += 1
    with svc.read() as uow:
        r2 = uow.alerts.count(rule="R2")
        alarm_entries = sum(1 for e in uow.ledger.entries(limit=1_000_000) if e.action == "alarm")
    engine.dispose()
    return {
        "mode": mode,
        "doors": args.doors,
        "authorized": sum(1 for p in plan if p[3]),
        "unauthorized": sum(1 for p in plan if not p[3]),
        "not_read_at_the_outer_zone": unseen,
        "duration_s": duration,
        "load_before": load_before,
        "load_after": load_after,
        "first_outer_read_to_relay_on": stats(latency),
        "false_alarms": false_alarms,
        "missed_alarms": missed,
        "denied_while_already_sounding": sounding,
        "r2_alerts_in_db": r2,
        "alarm_entries_in_register": alarm_entries,
        "outbox": drained,
    }


def _on_at(cmds: list[tuple[float, bool]], t: float) -> bool:
    """Whether the light was on at ``t`` by the last command before it."""
    before = [on for at, on in cmds if at <= t]
    return bool(before) and before[-1]


def report(r: dict[str, Any]) -> None:
    """Print one run's figures."""
    s = r["first_outer_read_to_relay_on"]
    print(
        f"[{r['mode']}] {r['authorized']} authorized + {r['unauthorized']} unauthorized crossings "
        f"at {r['doors']} doors over {r['duration_s']:.0f} s (load {r['load_before']} → "
        f"{r['load_after']})\n"
        f"  first outer read → relay on: p50 {s['p50_ms']:.1f} ms  p99 {s['p99_ms']:.1f} ms  "
        f"max {s['max_ms']:.1f} ms  (n={s['n']})\n"
        f"  false alarms {r['false_alarms']}, missed alarms {r['missed_alarms']} "
        f"(+{r['denied_while_already_sounding']} denied while the light was still on), "
        f"not read at the outer zone {r['not_read_at_the_outer_zone']}; R2 alerts "
        f"{r['r2_alerts_in_db']}, alarm entries {r['alarm_entries_in_register']}; "
        f"outbox {r['outbox']}"
    )


def main() -> None:
    """Parse the options, run both modes, print and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--doors", type=int, default=20)
    ap.add_argument("--ok", type=int, default=50, help="authorized crossings per door")
    ap.add_argument("--bad", type=int, default=25, help="unauthorized crossings per door")
    ap.add_argument("--interval", type=float, default=2.5, help="seconds between crossings")
    ap.add_argument("--off-after", type=float, default=1.5, help="the alarm's own time-out")
    ap.add_argument("--mode", choices=("up", "stopped", "both"), default="both")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    use_random_ledger_key()
    out: dict[str, Any] = {"env": environment(), "args": vars(args) | {"json": str(args.json)}}
    modes = ("up", "stopped") if args.mode == "both" else (args.mode,)
    out["runs"] = []
    for mode in modes:
        r = run(args, mode)
        report(r)
        out["runs"].append(r)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
