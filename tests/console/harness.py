"""A real ``tracker serve --simulate`` on a free port, a headless Chromium (Debian's,
never a downloaded one), and helpers to log in through the form, drive the simulated
office and keep a screenshot of every page under ``test-artifacts/console/``."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from simulators.control import send

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "site.toml"
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
DESK = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}


class Served:
    """A running ``tracker serve --simulate``: its URL, the demo logins it printed, its
    working folder (the simulated office's control socket is ``data/sim.sock``)."""

    def __init__(
        self, proc: subprocess.Popen[str], base: str, folder: Path, env: dict[str, str]
    ) -> None:
        self.proc = proc
        self.base = base
        self.folder = folder
        self.env = env
        self.lines: list[str] = []
        self.passwords: dict[str, str] = {}
        self.samples: list[str] = []

    def sim(self, **cmd: Any) -> dict[str, Any]:
        """One command to the simulated office."""
        answer = send(self.folder / "data" / "sim.sock", cmd, timeout=20)
        assert answer.get("ok"), answer
        return answer

    def add_login(self, username: str, role: str, name: str, department: str) -> str:
        """A new person with a login, made as an installer would (``tracker user add``
        on the service's database); returns the password."""
        password = f"pw-{username}-console-e2e"
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "tracker"),
                "user",
                "add",
                username,
                "--role",
                role,
                "--name",
                name,
                "--department",
                department,
                "--clearance",
                "important",
                "--password-stdin",
            ],
            check=False,
            input=password + "\n",
            env={**os.environ, **self.env},
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        self.passwords[username] = password
        return password

    def output(self) -> str:
        """What the server printed so far."""
        return "\n".join(self.lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(folder: Path, **env: str) -> Iterator[Served]:
    """Start ``tracker serve --simulate`` in ``folder`` and wait until it answers."""
    port = _free_port()
    values = {
        "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'console.db'}",
        "TRACKER_LEDGER_KEY": "5e" * 32,
        "TRACKER_SECRET_KEY": "console-test-secret-key-0123456789abcdef",
        "TRACKER_ARGON2_TIME_COST": "1",
        "TRACKER_ARGON2_MEMORY_KIB": "8",
        "TRACKER_ARGON2_PARALLELISM": "1",
        "TRACKER_STREAM_HEARTBEAT": "5",
        **env,
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "tracker"),
            "serve",
            "--simulate",
            "--site",
            str(EXAMPLE),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, **values},
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(proc, f"http://127.0.0.1:{port}", folder, values)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            served.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if httpx.get(f"{served.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start:\n{served.output()}")
            time.sleep(0.2)
        for line in served.lines:
            m = re.match(r"^  (\w+)\s+(\S+)$", line)
            if m:
                served.passwords[m.group(1)] = m.group(2)
            m = re.match(r"^sample carriers in their safes: (.+); try$", line)
            if m:
                served.samples = [s.strip() for s in m.group(1).split(",")]
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        reader.join(5)


def shoot(page: Any, name: str, *, full: bool = True) -> Path:
    """Keep a screenshot of the page as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def login(page: Any, base: str, username: str, password: str) -> None:
    """Log in through the form at ``/``."""
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/console/.*"))
