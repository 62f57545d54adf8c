"""Several workers and several hosts on one PostgreSQL database, as real processes:
``tracker serve --workers 3`` (host A) and two more ``tracker serve`` (hosts B and C).

Which worker holds a connection is read from /proc (the process owning the server end
of the socket), so a test can post through one worker and listen on another:

* an event posted to one worker appears on a stream held open on another worker, and on
  another host;
* a login throttled on one worker is throttled on every worker and host;
* a batch posted again through another worker is recorded once (idempotency in the
  database);
* three schedulers (one per host) run each overdue instant once;
* on SQLite the service refuses ``--workers 3``, saying why.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_ingest import crossing
from tests.db import PgDatabases
from tests.services.conftest import CAST, EXAMPLE, item
from tracker.bootstrap import build
from tracker.domain.model import Role
from tracker.services import accounts, people
from tracker.services.receive import ReceiveBatch, receive, store_in_safe

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
on_pg = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SECRET = "workers-test-secret-0123456789abcdef0123456789"
CHEAP_ARGON2 = {
    "TRACKER_ARGON2_TIME_COST": "1",
    "TRACKER_ARGON2_MEMORY_KIB": "8",
    "TRACKER_ARGON2_PARALLELISM": "1",
}


def password(pid: str) -> str:
    return f"pw-{pid}-correct-horse"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- which process serves a connection -------------------------------------------------


def _inode(server_port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return fields[9]
    return None


def server_pid(server_port: int, client_port: int) -> int:
    """The process holding the server end of the connection from ``client_port``."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        inode = _inode(server_port, client_port)
        if inode is not None:
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    fds = os.listdir(f"/proc/{pid}/fd")
                except OSError:
                    continue
                for fd in fds:
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                            return int(pid)
                    except OSError:
                        continue
        time.sleep(0.05)  # accepted but not yet seen in /proc: look again
    raise AssertionError(f"no process serves the connection from port {client_port}")


class Conn:
    """One keep-alive HTTP connection, and the worker process that serves it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.http.connect()
        assert self.http.sock is not None
        # Ask once so the connection is surely accepted by a worker, then look it up.
        assert self.call("GET", "/healthz")[0] == 200
        self.worker = server_pid(port, self.http.sock.getsockname()[1])

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        hdrs = dict(headers or {})
        data: bytes | None = None
        if isinstance(body, dict) and hdrs.get("Content-Type") == "form":
            data = urllib.parse.urlencode(body).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        self.http.request(method, path, body=data, headers=hdrs)
        r = self.http.getresponse()
        raw = r.read()
        text = raw.decode() if raw else ""
        return r.status, dict(r.getheaders()), json.loads(text) if text[:1] in "{[" else text

    def close(self) -> None:
        self.http.close()


def conn_on(port: int, *, avoid: set[int] = frozenset(), want: int | None = None) -> Conn:  # type: ignore[assignment]
    """A connection served by a worker not in ``avoid`` (or by ``want``)."""
    for _ in range(200):
        c = Conn(port)
        if (want is None and c.worker not in avoid) or c.worker == want:
            return c
        c.close()
    raise AssertionError(f"no connection reached the worker wanted (avoid {avoid}, want {want})")


class Stream:
    """``GET /api/v1/stream`` held open on one connection."""

    def __init__(self, conn: Conn, token: str, last_id: str | None = None) -> None:
        self.conn = conn
        self.last_id = ""
        headers = {"Authorization": f"Bearer {token}"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        conn.http.request("GET", "/api/v1/stream", headers=headers)
        self.response = conn.http.getresponse()
        assert self.response.status == 200
        assert self.response.readline().startswith(b"retry:")

    def next_event(self, kind: str, seconds: float = 30) -> dict[str, Any]:
        """The data of the next ``kind`` event (heartbeats come every second)."""
        deadline = time.monotonic() + seconds
        current = ""
        while time.monotonic() < deadline:
            line = self.response.readline().decode().rstrip("\n")
            if line.startswith("id: "):
                self.last_id = line[4:]
            elif line.startswith("event: "):
                current = line[7:]
            elif line.startswith("data: ") and current == kind:
                data: dict[str, Any] = json.loads(line[6:])
                return data
        raise AssertionError(f"no {kind} event within {seconds} s")


# --- the cluster -----------------------------------------------------------------------


@dataclass
class Cluster:
    a: int  # host A: --workers 3
    b: int  # host B
    c: int  # host C
    workers: set[int]  # host A's worker pids
    device_token: str
    epc: str
    url: str
    env: dict[str, str]
    workdir: Path

    def login(self, conn: Conn, user: str, pw: str) -> tuple[int, Any]:
        status, _, body = conn.call(
            "POST",
            "/api/v1/auth/token",
            {"username": user, "password": pw},
            {"Content-Type": "form"},
        )
        return status, body

    def token(self, user: str) -> str:
        c = Conn(self.a)
        try:
            status, body = self.login(c, user, password(user))
            assert status == 200, body
            return str(body["access_token"])
        finally:
            c.close()


def _site(workdir: Path) -> Path:
    # The example site with an overdue run every 3 seconds, so the schedulers have
    # instants to race for during the test.
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("[policy]\n", "[policy]\noverdue_check_minutes = 0.05\n", 1)
    path = workdir / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _prepare(url: str, site: Path) -> tuple[str, str]:
    """People, logins, a gateway device and a carrier in its safe; the device token and
    the carrier's EPC."""
    from api.security import Argon2Hasher
    from api.settings import ApiSettings

    built = build(url=url, site_file=site)
    svc = built.services
    hasher = Argon2Hasher.from_settings(
        ApiSettings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
    )
    for pid, name, dept, clr, role, _badge in CAST:
        people.add_person(svc, "cli:test", pid, name, dept, clr, role)
        if role is not Role.STAFF or pid == "bob":
            accounts.create_user(svc, "cli:test", pid, pid, password(pid), hasher)
    _, token = accounts.create_device(svc, "cli:test", "gw-secure", ["door-secure", "safe-s1"])
    (c,) = receive(svc, "carol", ReceiveBatch([item()], 1, "某部机要局"))
    store_in_safe(svc, "carol", c.serial)
    svc.bus.close()
    built.engine.dispose()
    assert c.epc is not None
    return token, c.epc


def _start(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "serve", *args],
        cwd=cwd,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_up(port: int, proc: subprocess.Popen[bytes], log: Path, workers: int = 1) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        started = len(re.findall(r"Application startup complete", log.read_text()))
        if started >= workers:
            try:
                Conn(port).close()
                return
            except OSError:
                pass
        time.sleep(0.3)
    raise AssertionError(f"tracker serve on {port} did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def cluster(
    _pg_databases: PgDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("workers")
    name = _pg_databases.create()
    url = _pg_databases.url(name)
    env = {
        **os.environ,
        **CHEAP_ARGON2,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_LEDGER_KEY": os.urandom(32).hex(),
        "TRACKER_SECRET_KEY": SECRET,
        "TRACKER_STREAM_HEARTBEAT": "1",
        "TRACKER_LANG": "en",
        "PYTHONPATH": str(ROOT),
    }
    old = os.environ.get("TRACKER_LEDGER_KEY")
    os.environ["TRACKER_LEDGER_KEY"] = env["TRACKER_LEDGER_KEY"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        site = _site(workdir)
        token, epc = _prepare(url, site)
        ports = [free_port() for _ in range(3)]
        logs = [workdir / f"serve-{h}.log" for h in "abc"]
        procs.append(_start(["--workers", "3", "--port", str(ports[0])], env, workdir, logs[0]))
        for port, log in zip(ports[1:], logs[1:], strict=True):
            procs.append(_start(["--port", str(port)], env, workdir, log))
        _wait_up(ports[0], procs[0], logs[0], workers=3)
        for port, proc, log in zip(ports[1:], procs[1:], logs[1:], strict=True):
            _wait_up(port, proc, log)
        children = subprocess.run(
            ["pgrep", "-P", str(procs[0].pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        workers = {int(p) for p in children} - {procs[0].pid}
        yield Cluster(*ports, workers, token, epc, url, env, workdir)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGINT)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)
        if old is None:
            os.environ.pop("TRACKER_LEDGER_KEY", None)
        else:
            os.environ["TRACKER_LEDGER_KEY"] = old
        _pg_databases.drop(name)


def _post(conn: Conn, cl: Cluster, events: list[dict[str, Any]]) -> tuple[int, dict[str, str], Any]:
    return conn.call(
        "POST",
        "/api/v1/events",
        {"events": events},
        {"Authorization": f"Bearer {cl.device_token}"},
    )


# --- the tests -------------------------------------------------------------------------


@on_pg
def test_three_workers_serve_on_one_port(cluster: Cluster) -> None:
    assert len(cluster.workers) >= 3
    seen = set()
    for _ in range(60):
        c = Conn(cluster.a)
        seen.add(c.worker)
        c.close()
        if len(seen) == 3:
            break
    assert seen <= cluster.workers and len(seen) >= 2


@on_pg
def test_an_event_posted_to_one_worker_appears_on_streams_on_another_and_on_another_host(
    cluster: Cluster,
) -> None:
    token = cluster.token("carol")
    on_a = Stream(conn_on(cluster.a), token)
    on_c = Stream(Conn(cluster.c), token)
    poster = conn_on(cluster.a, avoid={on_a.conn.worker})
    assert poster.worker != on_a.conn.worker and poster.worker in cluster.workers
    status, _, body = _post(
        poster, cluster, [crossing("w-1", cluster.epc, "out", datetime.now(UTC))]
    )
    assert status == 200, body
    for stream in (on_a, on_c):
        moved = stream.next_event("movement")
        assert moved["carrier"] == body["results"][0]["carrier"]
        assert moved["to_place"] == "corridor"
    # And back in, posted on host B: both streams hear it too.
    status, _, body = _post(
        Conn(cluster.b), cluster, [crossing("w-2", cluster.epc, "in", datetime.now(UTC))]
    )
    assert status == 200, body
    for stream in (on_a, on_c):
        assert stream.next_event("movement")["to_place"] == "secure"


@on_pg
def test_a_stream_resumed_on_another_host_with_last_event_id_gets_what_it_missed(
    cluster: Cluster,
) -> None:
    token = cluster.token("carol")
    first = Stream(Conn(cluster.b), token)
    poster = Conn(cluster.a)
    assert (
        _post(poster, cluster, [crossing("r-1", cluster.epc, "out", datetime.now(UTC))])[0] == 200
    )
    assert first.next_event("movement")["to_place"] == "corridor"
    seen = first.last_id
    first.conn.close()  # the client loses its connection ...
    for eid, direction in (("r-2", "in"), ("r-3", "out")):
        status, _, body = _post(
            poster, cluster, [crossing(eid, cluster.epc, direction, datetime.now(UTC))]
        )
        assert status == 200, body
    again = Stream(Conn(cluster.c), token, last_id=seen)  # ... and comes back elsewhere
    assert again.next_event("movement")["to_place"] == "secure"
    assert again.next_event("movement")["to_place"] == "corridor"
    assert again.last_id != seen


@on_pg
def test_a_batch_posted_again_through_another_worker_is_recorded_once(cluster: Cluster) -> None:
    first = conn_on(cluster.a)
    second = conn_on(cluster.a, avoid={first.worker})
    batch = [
        {
            "event_id": "w-idem",
            "kind": "reader",
            "at": datetime.now(UTC).isoformat(),
            "reader": "door-secure-in",
            "online": True,
        }
    ]
    s1, h1, b1 = _post(first, cluster, batch)
    s2, h2, b2 = _post(second, cluster, batch)
    s3, h3, b3 = _post(Conn(cluster.b), cluster, batch)
    assert (s1, s2, s3) == (200, 200, 200)
    assert (h1["x-duplicates"], h2["x-duplicates"], h3["x-duplicates"]) == ("0", "1", "1")
    assert b1 == b2 == b3


@on_pg
def test_a_login_throttled_on_one_worker_is_throttled_on_every_worker_and_host(
    cluster: Cluster,
) -> None:
    guesser = conn_on(cluster.a)
    # Wrong guesses through one worker until the wait is long enough to look elsewhere
    # (1 s after the 5th failure, doubling with each failure after a wait).
    wait = 0
    for _ in range(40):
        status, headers, _ = guesser.call(
            "POST",
            "/api/v1/auth/token",
            {"username": "bob", "password": "a-wrong-guess"},
            {"Content-Type": "form"},
        )
        if status == 429:
            wait = int({k.lower(): v for k, v in headers.items()}["retry-after"])
            if wait >= 15:
                break
            time.sleep(wait + 0.2)
            guesser.close()  # idle past uvicorn's keep-alive: a new one, same worker
            guesser = conn_on(cluster.a, want=guesser.worker)
        else:
            assert status == 401
    assert wait >= 15
    others = [conn_on(cluster.a, avoid={guesser.worker})]
    others.append(conn_on(cluster.a, avoid={guesser.worker, others[0].worker}))
    others += [Conn(cluster.b), Conn(cluster.c)]
    assert len({c.worker for c in others} | {guesser.worker}) == 5
    for c in others:
        status, body = cluster.login(c, "bob", password("bob"))  # the right password too
        assert status == 429, body
    # Another user from the same address is not held up.
    status, _ = cluster.login(others[0], "carol", password("carol"))
    assert status == 200


@on_pg
def test_three_schedulers_run_each_instant_once(cluster: Cluster) -> None:
    from sqlalchemy import create_engine, text

    time.sleep(8)  # a few overdue instants (every 3 s), each raced for by three hosts
    engine = create_engine(cluster.url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(
                text(
                    "SELECT data FROM ledger_entries WHERE action = 'scheduled_run' "
                    "AND reason = 'overdue'"
                )
            ).scalars()
            instants = [json.loads(d)["at"] if isinstance(d, str) else d["at"] for d in runs]
    finally:
        engine.dispose()
    assert len(instants) >= 2
    assert len(instants) == len(set(instants))


def test_several_workers_on_sqlite_are_refused_saying_why(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}",
        "TRACKER_LANG": "en",
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "serve", "--workers", "3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert "one process on SQLite" in out.stderr and "PostgreSQL" in out.stderr
    assert "Traceback" not in out.stderr
