"""Gateways over MQTT (issue 16, goal 7): the custody service stopped for a while as
gateways go on publishing 50 events/s; after it comes back, every event must be
recorded exactly once.

    .venv/bin/python bench/bench_mqtt.py                    # the full figure: 10 min down
    .venv/bin/python bench/bench_mqtt.py --down 60          # a quick run

Set-up:

* a Mosquitto broker of the bench's own on a free port of 127.0.0.1, configured to hold
  what an outage needs (``max_queued_messages``; the config is printed and written to
  the JSON) with its persistence in bench/out;
* a fresh database (PostgreSQL by default, ``--db sqlite``) with the example site, the
  cast, ``--carriers`` secret carriers in their safes and one gateway device per gateway;
* the service as a real process: ``tracker serve`` with ``TRACKER_MQTT_URL`` naming the
  broker (its consumer: persistent session, acknowledgement after commit);
* ``--gateways`` gateways in this process: ``tracker.gateway.runner.Gateway`` with its
  durable outbox (a SQLite file each) and an ``MqttSink``, fed crossings (a carrier
  through the secure room's door, alternately out and in, at the time it happens) at
  ``--rate`` events/s in all.

Timeline: ``--up`` s with the service running; the service is killed (SIGKILL: a crash,
nothing flushed) and stays down ``--down`` s while the gateways go on; it is started
again and the gateways go on ``--after`` s; then they stop and the bench waits until
every event is recorded. Counted from the database: each crossing makes one movement
carrying its event id, so lost = events published − distinct event ids among the
movements, duplicated = movements − distinct event ids.

Baseline, same run, same timeline: the gateways posting over HTTP (``HttpSink``, the
outbox holding events while the service is down). Both report how long the backlog
took to drain after the service was started again.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT, ROOT, bench_database, environment, item, load, services_on

from tracker.bootstrap import open_reader
from tracker.domain.clock import SystemClock
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions
from tracker.gateway.sinks import HttpSink, MqttSink, Sink
from tracker.services import accounts
from tracker.services.movement import Observation
from tracker.services.receive import ReceiveBatch, receive, store_in_safe

ALICE = "0100073EAB"
BROKER_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {dir}/
autosave_interval 10
max_queued_messages 1000000
max_inflight_messages 100
log_dest file {dir}/mosquitto.log
user {user}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


class Broker:
    """A private Mosquitto on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mqtt-", dir=OUT))
        self.dir.chmod(0o755)
        self.conf = BROKER_CONF.format(port=self.port, dir=self.dir, user=_user())
        (self.dir / "mosquitto.conf").write_text(self.conf)
        binary = "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else "mosquitto"
        self.proc = subprocess.Popen(
            [binary, "-c", str(self.dir / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


class Service:
    """``tracker serve`` as a process of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        t = time.monotonic()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tracker.cli", "serve", "--port", str(self.port)],
                cwd=OUT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_port(self.port, 120)
        return time.monotonic() - t

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None


class Producer(threading.Thread):
    """Feeds one gateway crossings at ``rate`` per second (an absolute schedule)."""

    def __init__(self, gw: Gateway, name: str, epcs: list[str], rate: float) -> None:
        super().__init__(daemon=True, name=f"producer-{name}")
        self.gw, self.name_, self.epcs, self.rate = gw, name, epcs, rate
        self.ids: list[str] = []
        self.stop = threading.Event()
        self._out = dict.fromkeys(epcs, False)

    def run(self) -> None:
        start, n = time.monotonic(), 0
        while not self.stop.is_set():
            due = start + n / self.rate
            if self.stop.wait(max(0.0, due - time.monotonic())):
                return
            epc = self.epcs[n % len(self.epcs)]
            direction = "in" if self._out[epc] else "out"
            self._out[epc] = not self._out[epc]
            eid = f"{self.name_}:{n}"
            self.gw.submit(
                [
                    Observation(
                        eid, "crossing", datetime.now(UTC), epc, "door-secure", direction, (ALICE,)
                    )
                ]
            )
            self.ids.append(eid)
            n += 1


def counted(svc: Any, ids: set[str]) -> tuple[int, int]:
    """(movements of these events, distinct event ids among them)."""
    from sqlalchemy import text

    with svc.read() as uow:
        rows = uow.session.execute(text("SELECT event_id FROM movements")).scalars().all()
    mine = [r for r in rows if r in ids]
    return len(mine), len(set(mine))


def run(args: argparse.Namespace, transport: str, url: str) -> dict[str, Any]:
    key = secrets.token_hex(32)
    os.environ["TRACKER_LEDGER_KEY"] = key
    _, svc = services_on(url, SystemClock())
    carriers = receive(
        svc, "carol", ReceiveBatch([item(i) for i in range(args.carriers)], args.carriers, "bench")
    )
    for c in carriers:
        store_in_safe(svc, "carol", c.serial)
    epcs = [c.epc for c in carriers if c.epc]
    broker = Broker() if transport == "mqtt" else None
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_LEDGER_KEY": key,
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if broker is not None:
        env["TRACKER_MQTT_URL"] = broker.url
        env["TRACKER_MQTT_CLIENT_ID"] = "bench-service"
    service = Service(env, OUT / f"bench_mqtt-{transport}-service.log")
    service.log.unlink(missing_ok=True)
    boot = service.start()
    gateways: list[Gateway] = []
    producers: list[Producer] = []
    sinks: list[Sink] = []
    per = args.rate / args.gateways
    for g in range(args.gateways):
        name = f"gw-{g:02d}"
        _, token = accounts.create_device(svc, "cli:bench", name, ["door-secure"])
        box_path = OUT / f"bench_mqtt-{transport}-{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{box_path}{suffix}").unlink(missing_ok=True)
        sink: Sink = (
            MqttSink(broker.url, token) if broker is not None else HttpSink(service.url, token)
        )
        sinks.append(sink)
        options = GatewayOptions(name, doors=frozenset(), safes=frozenset(), retry_max=10.0)
        gw = Gateway(svc.site, sink, Outbox(box_path), open_reader, options).start()  # type: ignore[arg-type]
        gateways.append(gw)
        producers.append(Producer(gw, name, epcs[g :: args.gateways], per))
    print(f"[{transport}] service up ({boot:.1f} s to start); {args.rate} events/s", flush=True)
    for p in producers:
        p.start()
    time.sleep(args.up)
    service.kill()
    print(f"[{transport}] service killed; down for {args.down} s", flush=True)
    held_max = 0
    deadline = time.monotonic() + args.down
    while time.monotonic() < deadline:
        time.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
        held_max = max(held_max, sum(gw.outbox.counts()[0] for gw in gateways))
    before_back = {i for p in producers for i in p.ids[: len(p.ids)]}
    published_while_down = len(before_back)
    back = time.monotonic()
    boot2 = service.start()
    print(f"[{transport}] service back ({boot2:.1f} s to start)", flush=True)
    drained_at: float | None = None
    after_deadline = back + args.after
    while time.monotonic() < after_deadline:
        time.sleep(1.0)
        if drained_at is None and counted(svc, before_back)[1] >= published_while_down:
            drained_at = time.monotonic() - back
    for p in producers:
        p.stop.set()
        p.join(5)
    ids = {i for p in producers for i in p.ids}
    final_deadline = time.monotonic() + args.settle
    total = distinct = 0
    while time.monotonic() < final_deadline:
        total, distinct = counted(svc, ids)
        if drained_at is None and counted(svc, before_back)[1] >= published_while_down:
            drained_at = time.monotonic() - back
        if distinct >= len(ids) and all(gw.outbox.counts()[0] == 0 for gw in gateways):
            break
        time.sleep(1.0)
    for gw in gateways:
        gw.stop(drain=5)
    dead = sum(gw.outbox.counts()[1] for gw in gateways)
    pending = sum(gw.outbox.counts()[0] for gw in gateways)
    time.sleep(2.0)  # what the last sends carried is committed by now
    total, distinct = counted(svc, ids)
    for s in sinks:
        close = getattr(s, "close", None)
        if close is not None:
            close()
    service.stop()
    if broker is not None:
        broker.stop()
    svc.bus.close()
    result = {
        "transport": transport,
        "events": len(ids),
        "recorded": distinct,
        "lost": len(ids) - distinct,
        "duplicated": total - distinct,
        "events_while_down_or_before_back": published_while_down,
        "gateway_outboxes_max_while_down": held_max,
        "left_in_outboxes": pending,
        "refused_dead_letters": dead,
        "drain_seconds_after_back": round(drained_at, 1) if drained_at is not None else None,
        "service_start_seconds": round(boot2, 1),
        "broker_conf": broker.conf if broker is not None else None,
        "load_at_end": load(),
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--down", type=float, default=600.0, help="seconds the service is down")
    ap.add_argument("--up", type=float, default=30.0, help="seconds up before the crash")
    ap.add_argument("--after", type=float, default=30.0, help="seconds of publishing after")
    ap.add_argument("--settle", type=float, default=900.0, help="at most this long to drain")
    ap.add_argument("--rate", type=float, default=50.0, help="events/s, all gateways")
    ap.add_argument("--gateways", type=int, default=5)
    ap.add_argument("--carriers", type=int, default=100)
    ap.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--transport", choices=("mqtt", "http", "both"), default="both")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"environment": environment(), "args": vars(args) | {"json": None}}
    for transport in ("mqtt", "http") if args.transport == "both" else (args.transport,):
        with bench_database(args.db, f"mqtt_{transport}") as url:
            report[transport] = run(args, transport, url)
    if "mqtt" in report and "http" in report:
        m, h = report["mqtt"], report["http"]
        if m["drain_seconds_after_back"] and h["drain_seconds_after_back"]:
            report["drain_ratio_mqtt_over_http"] = round(
                m["drain_seconds_after_back"] / h["drain_seconds_after_back"], 2
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    print(
        json.dumps({k: v for k, v in report.items() if k != "environment"}, indent=2, default=str)
    )


if __name__ == "__main__":
    main()
