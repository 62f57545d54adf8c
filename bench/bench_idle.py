"""Idle cost benchmark (issue 16 goal 8): CPU used by processes with nothing happening.

    .venv/bin/python bench/bench_idle.py                    # settle 15 s, measure 30 s each
    .venv/bin/python bench/bench_idle.py --window 10 --settle 8 --only office

Three set-ups, one after the other, each started fresh, left to settle for ``--settle``
seconds, then measured over ``--window`` seconds of wall time: the CPU seconds (user +
system, every thread, from ``/proc/PID/stat``; a process's children counted with it)
divided by the wall time, as a percentage of one core.

* ``bare`` (the baseline): ``bench/bare_app.py`` — a bare FastAPI app under the same
  uvicorn settings as ``tracker serve``, idle;
* ``office``: what ``make run`` starts — ``tracker db upgrade``, ``tracker site load
  examples/site.toml``, ``tracker serve --simulate --site examples/site.toml`` — on a
  scratch SQLite database (``TRACKER_DATABASE_URL`` = ``bench/out/bench_idle_office.db``)
  with its working directory (keys, ``data/``) under ``bench/out/idle-office``: the
  API, the scheduler, notification delivery, every reader, camera and printer of the
  site simulated and read by the real drivers and gateway, all in one process;
* ``gateway``: a gateway with ``--doors`` doors — bench_alarm's generated site (per
  door an inner and an outer M100 reader, an RDM6300 badge reader and an LCUS relay
  board for the door's alarm): the simulators of its 4 × N devices in one process
  (``sims``: they stand in for the hardware), and ``tracker.gateway.runner.Gateway``
  with the real drivers, the durable outbox, the authorization table on disk and the
  service in process (``ServiceSink`` + the in-process table feed, as bench_alarm's
  ``up`` mode) in another (``gateway``); each measured on its own.

Reported per process: CPU % of a core, and the ratio to the bare app's in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EXAMPLE_SITE, OUT, ROOT, environment, load

PY = sys.executable
TRACKER = str(Path(PY).with_name("tracker"))
TICK = os.sysconf("SC_CLK_TCK")


# --- CPU time from /proc ---------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in seconds) of ``pid``, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is the state; ppid is field 4 of the line, utime 14, stime 15 (1-based).
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree(pid: int) -> list[int]:
    """``pid`` and every descendant living now."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                parents.setdefault(st[0], []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads) used so far by ``pids``."""
    total = 0.0
    for p in pids:
        st = _stat(p)
        if st is not None:
            total += st[1]
    return total


def thread_seconds(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of ``pid`` (thread id → seconds)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            raw = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def thread_names(pid: int) -> dict[int, str]:
    """Python thread names by thread id, from ``py-spy dump`` when it is installed."""
    spy = shutil.which("py-spy") or str(Path(PY).with_name("py-spy"))
    if not Path(spy).exists():
        return {}
    dump = subprocess.run(
        [spy, "dump", "-p", str(pid)], check=False, capture_output=True, text=True
    ).stdout
    return {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r'^Thread (\d+) \(\w+\): "(.*)"', dump, re.M)
    }


def busiest(pid: int, before: dict[int, float], wall: float, top: int) -> list[str]:
    """The ``top`` kinds of thread (names with numbers folded) by CPU % over the window."""
    names = thread_names(pid)
    kinds: dict[str, list[float]] = {}
    for tid, secs in thread_seconds(pid).items():
        kind = re.sub(r"\d+", "N", names.get(tid, f"thread {tid}"))
        kinds.setdefault(kind, []).append(secs - before.get(tid, 0.0))
    rows = sorted(kinds.items(), key=lambda kv: -sum(kv[1]))[:top]
    return [f"{100 * sum(v) / wall:5.2f} %  {len(v):3d} × {k}" for k, v in rows]


def measure(groups: dict[str, int], window: float, top: int = 0) -> dict[str, dict[str, Any]]:
    """CPU % of one core of each process tree in ``groups`` (name → root pid) over the
    same ``window`` seconds; with ``top``, the busiest kinds of thread of each root."""
    pids = {name: tree(pid) for name, pid in groups.items()}
    before = {name: cpu_seconds(p) for name, p in pids.items()}
    threads = {name: thread_seconds(pid) for name, pid in groups.items()}
    t0 = time.monotonic()
    time.sleep(window)
    wall = time.monotonic() - t0
    out: dict[str, dict[str, Any]] = {}
    for name, p in pids.items():
        used = cpu_seconds(p) - before[name]
        out[name] = {"cpu_s": round(used, 3), "wall_s": round(wall, 2), "pct": 100 * used / wall}
        if top:
            out[name]["threads"] = busiest(groups[name], threads[name], wall, top)
    return out


# --- starting the set-ups ----------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 90.0) -> None:
    """Wait until ``url`` answers at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT, then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def start_bare(log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The bare FastAPI app."""
    body = OUT / "bare_body.json"
    body.write_text(json.dumps({"serial": "JM-2026-000001"}), encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [PY, str(ROOT / "bench" / "bare_app.py"), "--port", str(port), "--body", str(body)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return proc, port


def start_office(log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``make run``'s three commands on a scratch database and working directory."""
    work = OUT / "idle-office"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{OUT / 'bench_idle_office.db'}",
        "TRACKER_LEDGER_KEY": secrets.token_hex(32),
    }
    for suffix in ("", "-wal", "-shm"):
        Path(f"{OUT / 'bench_idle_office.db'}{suffix}").unlink(missing_ok=True)
    with log.open("wb") as out:
        for cmd in (["db", "upgrade"], ["site", "load", str(EXAMPLE_SITE)]):
            subprocess.run([TRACKER, *cmd], cwd=work, env=env, stdout=out, stderr=out, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            TRACKER,
            "serve",
            "--simulate",
            "--site",
            str(EXAMPLE_SITE),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=work,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return proc, port


def start_gateway(doors: int, log: Path) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """The simulators of ``doors`` doors in one process, the gateway in another."""
    from bench_alarm import alarm_site

    site_file = OUT / f"site-{doors}-idle.toml"
    site_file.write_text(alarm_site(doors, 1.5), encoding="utf-8")
    folder = OUT / "bench-idle-by-id"
    shutil.rmtree(folder, ignore_errors=True)
    common = ["--site-file", str(site_file), "--folder", str(folder)]
    me = str(Path(__file__).resolve())
    sims = subprocess.Popen(
        [PY, me, "--role", "sims", *common], stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while len(list(folder.glob("usb-*"))) < 4 * doors:
        if time.monotonic() > deadline or sims.poll() is not None:
            raise RuntimeError("the simulators did not start")
        time.sleep(0.2)
    gw = subprocess.Popen(
        [PY, me, "--role", "gateway", *common], stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    return sims, gw


# --- the two child roles of the gateway set-up ---------------------------------------------


def role_sims(site_file: Path, folder: Path) -> None:
    """Run every reader and relay simulator of the site until interrupted."""
    from simulators.office import SimulatedOffice
    from simulators.relay import LcusSimulator
    from tracker.config import load_site

    site = load_site(site_file)
    office = SimulatedOffice(site, folder).start()
    relays = [LcusSimulator(folder / Path(o.url).name).start() for o in site.outputs]
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        office.stop()
        for r in relays:
            r.stop()


def role_gateway(site_file: Path, folder: Path) -> None:
    """The gateway (real drivers, outbox, table, service in process) until interrupted."""
    from dataclasses import replace

    from _common import services_on, sqlite_url, use_random_ledger_key

    from simulators.office import SimulatedOffice
    from tracker.bootstrap import open_reader
    from tracker.config import load_site
    from tracker.domain.clock import SystemClock
    from tracker.gateway.outbox import Outbox
    from tracker.gateway.runner import Gateway, GatewayOptions, clock_time
    from tracker.gateway.sinks import ServiceSink
    from tracker.gateway.table import ServiceFeed, TableStore
    from tracker.services import authz

    use_random_ledger_key()
    site = SimulatedOffice(load_site(site_file), folder).site  # only its URLs are used
    outputs = tuple(replace(o, url=str(folder / Path(o.url).name)) for o in site.outputs)
    site = replace(site, outputs=outputs)
    engine, svc = services_on(sqlite_url("bench_idle_gateway"), SystemClock(), site_file)
    svc.site = site
    outbox_file = OUT / "bench_idle_outbox.sqlite"
    table_file = OUT / "bench_idle_authz.json"
    for p in (outbox_file, Path(f"{outbox_file}-wal"), Path(f"{outbox_file}-shm"), table_file):
        p.unlink(missing_ok=True)
    gw = Gateway(
        site,
        ServiceSink(svc, "gw-idle"),
        Outbox(outbox_file),
        open_reader,
        GatewayOptions("gw-idle"),
        to_time=clock_time(svc.clock),
        table=TableStore(table_file),
        feed=ServiceFeed(authz.feed(svc)),
    ).start()
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        gw.stop()
        engine.dispose()


# --- the run -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, settle and measure each chosen set-up in turn."""
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for name in args.only:
        log = OUT / f"bench_idle_{name}.log"
        procs: dict[str, subprocess.Popen[bytes]] = {}
        try:
            if name == "bare":
                procs["bare"], _ = start_bare(log)
            elif name == "office":
                procs["office"], _ = start_office(log)
            else:
                procs["sims"], procs["gateway"] = start_gateway(args.doors, log)
            time.sleep(args.settle)
            for n, p in procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{n} exited early (see {log})")
            load_before = load()
            got = measure({n: p.pid for n, p in procs.items()}, args.window, args.threads)
            for n, r in got.items():
                r["load"] = f"{load_before} → {load()}"
                results[n] = r
                print(
                    f"{n:8} {r['pct']:6.2f} % of a core  ({r['cpu_s']} CPU s over "
                    f"{r['wall_s']} s; load {r['load']})",
                    flush=True,
                )
                for line in r.get("threads", []):
                    print(f"    {line}")
        finally:
            for p in reversed(list(procs.values())):
                stop(p)
    base = results.get("bare", {}).get("pct")
    if base:
        for r in results.values():
            r["ratio_to_bare"] = r["pct"] / base
    return results


def main() -> None:
    """Parse the options; run the bench, or one of the gateway set-up's child roles."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--settle", type=float, default=15.0, help="seconds before measuring")
    ap.add_argument("--window", type=float, default=30.0, help="seconds measured")
    ap.add_argument("--doors", type=int, default=20)
    ap.add_argument(
        "--only",
        type=lambda s: s.split(","),
        default=["bare", "office", "gateway"],
        help="comma-separated: bare, office, gateway",
    )
    ap.add_argument(
        "--threads", type=int, default=0, help="show the N busiest kinds of thread (py-spy names)"
    )
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--role", choices=("sims", "gateway"), help=argparse.SUPPRESS)
    ap.add_argument("--site-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role == "sims":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        return role_sims(args.site_file, args.folder)
    if args.role == "gateway":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        return role_gateway(args.site_file, args.folder)
    out = {"env": environment(), "args": {k: str(v) for k, v in vars(args).items()}}
    out["results"] = run(args)
    for n, r in out["results"].items():
        if "ratio_to_bare" in r:
            print(f"{n:8} {r['ratio_to_bare']:6.2f} × the bare app")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
