"""``tracker user``, ``tracker device`` and ``tracker serve`` on a real database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.settings import ApiSettings
from tests.services.conftest import EXAMPLE
from tracker.cli.common import cli_actor
from tracker.cli.main import _register, app

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "TRACKER_DATABASE_URL": db_url,
        "TRACKER_LEDGER_KEY": "cd" * 32,
        "TRACKER_SECRET_KEY": "k" * 40,
        "TRACKER_ARGON2_TIME_COST": "1",
        "TRACKER_ARGON2_MEMORY_KIB": "8",
        "TRACKER_ARGON2_PARALLELISM": "1",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    _register()
    assert runner.invoke(app, ["site", "load", str(EXAMPLE)]).exit_code == 0
    return values


def test_user_add_creates_the_person_or_links_to_one(env: dict[str, str]) -> None:
    r = runner.invoke(
        app,
        [
            "user",
            "add",
            "carol",
            "--role",
            "custodian",
            "--name",
            "王机要",
            "--clearance",
            "core",
            "--password-stdin",
            "--json",
        ],
        input="s3cret-pass\n",
    )
    assert r.exit_code == 0, r.output
    assert '"role": "custodian"' in r.output
    r = runner.invoke(
        app, ["user", "add", "nobody", "--role", "staff", "--password-stdin"], input="s3cret-pass\n"
    )
    assert r.exit_code != 0
    r = runner.invoke(app, ["person", "add", "bob", "--name", "周", "--clearance", "important"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["user", "add", "bob", "--role", "officer", "--password-stdin"], input="s3cret-pass\n"
    )
    assert r.exit_code != 0  # bob is staff, not an officer
    r = runner.invoke(
        app, ["user", "add", "bob", "--role", "staff", "--password-stdin"], input="short\n"
    )
    assert r.exit_code != 0  # too short
    r = runner.invoke(
        app, ["user", "add", "bob", "--role", "staff", "--password-stdin"], input="s3cret-pass\n"
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "list", "--json"])
    assert '"bob"' in r.output and '"carol"' in r.output
    assert runner.invoke(app, ["user", "disable", "bob"]).exit_code == 0


def test_device_add_prints_the_token_once_and_stores_its_hash(env: dict[str, str]) -> None:
    r = runner.invoke(app, ["device", "add", "gw1", "--doors", "door-secure,safe-s1", "--json"])
    assert r.exit_code == 0, r.output
    token = r.output.split('"token": "')[1].split('"')[0]
    assert token.startswith("dev_gw1.")
    listed = runner.invoke(app, ["device", "list", "--json"]).output
    assert "door-secure" in listed and token.split(".")[1] not in listed
    assert runner.invoke(app, ["device", "add", "gw2", "--doors", "door-nowhere"]).exit_code != 0
    assert runner.invoke(app, ["device", "revoke", "gw1"]).exit_code == 0


def start_server(
    env: dict[str, str], cwd: Path, *extra: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``tracker serve`` on a free port; (process, base URL) once /healthz answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "tracker"),
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *extra,
        ],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return proc, base
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_server(proc)
                raise AssertionError("server did not start") from None
            time.sleep(0.2)


def stop_server(proc: subprocess.Popen[bytes]) -> str:
    """Stop it with SIGINT (as Ctrl-C does); returns what it printed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=5)
    return out.decode(errors="replace")


def test_serve_simulate_prints_logins_that_work(tmp_path: Path) -> None:
    env = {
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
        "TRACKER_LEDGER_KEY": "ef" * 32,
        "TRACKER_SECRET_KEY": "k" * 40,
        "TRACKER_ARGON2_TIME_COST": "1",
        "TRACKER_ARGON2_MEMORY_KIB": "8",
        "TRACKER_ARGON2_PARALLELISM": "1",
    }
    proc, base = start_server(env, tmp_path, "--simulate", "--site", str(EXAMPLE))
    try:
        health = httpx.get(f"{base}/healthz").json()
        assert health["status"] == "ok"
    finally:
        out = stop_server(proc)
    password = next(line.split()[1] for line in out.splitlines() if line.startswith("  carol "))
    assert (tmp_path / "data").is_dir() and "API on" in out
    # the logins were stored: start again without --simulate and log in with it
    proc, base = start_server(env, tmp_path)
    try:
        tok = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "carol", "password": password}
        )
        assert tok.status_code == 200
    finally:
        stop_server(proc)


def test_serve_answers_health_and_logins(env: dict[str, str], tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "user",
            "add",
            "oscar",
            "--role",
            "officer",
            "--name",
            "赵",
            "--clearance",
            "core",
            "--password-stdin",
        ],
        input="s3cret-pass\n",
    )
    assert r.exit_code == 0, r.output
    proc, base = start_server(env, tmp_path)
    try:
        health = httpx.get(f"{base}/healthz", timeout=2)
        assert health.json() == {"status": "ok", "database": "ok"}
        tok = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "oscar", "password": "s3cret-pass"}
        )
        assert tok.status_code == 200
        me = httpx.get(
            f"{base}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {tok.json()['access_token']}"},
        )
        assert me.json()["role"] == "officer"
    finally:
        stop_server(proc)


def _add_user(username: str, role: str, password: str) -> None:
    args = ["user", "add", username, "--role", role, "--name", username, "--clearance", "core"]
    r = runner.invoke(app, [*args, "--password-stdin"], input=f"{password}\n")
    assert r.exit_code == 0, r.output


def test_the_first_administrators_are_made_on_the_server_and_passwd_ends_tokens(
    env: dict[str, str], tmp_path: Path
) -> None:
    # Issue 10: the first administrators come from the server's command line (logged as
    # cli:<os user>), the three stay apart there too, and `tracker user passwd` ends
    # every token issued before it.
    _add_user("sec1", "security_admin", "sec1-first-pass")
    _add_user("aud1", "security_auditor", "aud1-first-pass")
    _add_user("carol", "custodian", "carol-first-pass")
    r = runner.invoke(app, ["person", "update", "sec1", "--role", "security_auditor"])
    assert r.exit_code != 0 and "SoD" in str(r.exception), r.output
    proc, base = start_server(env, tmp_path)
    try:

        def login(user: str, pw: str) -> dict[str, str]:
            tok = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": pw})
            assert tok.status_code == 200, tok.text
            return {"Authorization": f"Bearer {tok.json()['access_token']}"}

        old = login("carol", "carol-first-pass")
        assert httpx.get(f"{base}/api/v1/auth/me", headers=old).status_code == 200
        r = runner.invoke(
            app, ["user", "passwd", "carol", "--password-stdin"], input="carol-second-pass\n"
        )
        assert r.exit_code == 0, r.output
        # Another process changed it: the server refuses the old token at the latest
        # once its token cache's bound (api/principals.py) has passed since it checked.
        time.sleep(ApiSettings().principal_cache_seconds + 0.1)
        assert httpx.get(f"{base}/api/v1/auth/me", headers=old).status_code == 401
        new = login("carol", "carol-second-pass")
        assert httpx.get(f"{base}/api/v1/auth/me", headers=new).status_code == 200
        log = httpx.get(
            f"{base}/api/v1/audit/admin-log",
            params={"action": ["person_add", "user_add", "user_password"], "limit": 100},
            headers=login("aud1", "aud1-first-pass"),
        ).json()["items"]
    finally:
        stop_server(proc)
    done = [(e["action"], e["data"].get("person") or e["data"].get("user")) for e in log]
    assert ("person_add", "sec1") in done and ("user_add", "sec1") in done
    assert ("user_password", "carol") in done
    assert {e["actor"] for e in log} == {cli_actor()}
    assert not any(e["action"] == "role_change" for e in log)
