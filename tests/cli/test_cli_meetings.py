"""``tracker meeting`` and ``tracker seal`` on the server's command line: a meeting from
registration to the end (with the not-collected alert), refusals as a one-line error and
exit 2, sealing and unsealing a safe by hand, the holidays ahead."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli.test_cli_core import EXAMPLE, tracker  # noqa: F401 - the fixture


def _setup(run) -> str:  # type: ignore[no-untyped-def]
    run("site", "load", str(EXAMPLE))
    for pid, dept, clr, role in (
        ("carol", "office", "core", "custodian"),
        ("alice", "policy", "core", "staff"),
        ("dave", "policy", "general", "staff"),
    ):
        run("person", "add", pid, "--name", pid, "--department", dept, "--clearance", clr,
                "--role", role)  # fmt: skip
    out = run(
        "carrier", "receive", "--as", "carol", "--from", "x", "--title", "会议材料", "--level",
        "secret", "--period", "10y", "--classified-on", "2026-11-01", "--authority", "a",
        "--home-room", "secure", "--home-safe", "safe-s1", "--scope-departments", "policy",
        "--json",
    )  # fmt: skip
    return str(json.loads(out.stdout)[0]["serial"])


def test_a_meeting_on_the_command_line(tracker) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    serial = _setup(tracker)
    now = datetime.now(UTC)
    m = json.loads(
        tracker(
            "meeting",
            "create",
            "--as",
            "carol",
            "--name",
            "保密工作会",
            "--room",
            "reading",
            "--level",
            "secret",
            "--starts",
            (now - timedelta(minutes=10)).isoformat(),
            "--ends",
            (now + timedelta(hours=2)).isoformat(),
            "--json",
        ).stdout
    )
    refused = tracker("meeting", "attend", m["id"], "dave", "--as", "carol", ok=False)
    assert refused.returncode == 2 and "R17" in refused.stderr and "Traceback" not in refused.stderr
    assert tracker("meeting", "attend", m["id"], "alice", "--as", "carol").stdout.strip() == "alice"
    tracker("meeting", "material", m["id"], serial, "--as", "carol")
    assert (
        "→ alice"
        in tracker("meeting", "hand-out", m["id"], serial, "alice", "--as", "carol").stdout
    )
    shown = json.loads(tracker("meeting", "show", m["id"], "--as", "alice", "--json").stdout)
    assert shown["handouts"] == [{"carrier": serial, "attendee": "alice", "state": "out"}]
    assert tracker("meeting", "end", m["id"], "--as", "carol").stdout.strip() == (
        f"not collected: {serial}"
    )
    assert "← alice" in tracker("meeting", "collect", m["id"], serial, "--as", "carol").stdout
    assert "left behind: none" in tracker("meeting", "sweep", m["id"], "--as", "carol").stdout
    listed = tracker("meeting", "list", "--as", "dave").stdout
    assert listed.strip() == "none"  # not his meeting: not even its name


def test_sealing_on_the_command_line(tracker) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _setup(tracker)
    sealed = tracker("seal", "seal", "safe-s2", "--reason", "搬迁", "--as", "carol").stdout
    assert sealed.strip() == "safe-s2 sealed: 0 carrier(s)"
    again = tracker("seal", "seal", "safe-s2", "--reason", "搬迁", "--as", "carol", ok=False)
    assert again.returncode == 2 and "already sealed" in again.stderr
    done = json.loads(tracker("seal", "unseal", "safe-s2", "--as", "carol", "--json").stdout)
    assert (done["state"], done["missing"], done["added"]) == ("unsealed", [], [])
    assert "safe-s2" in tracker("seal", "list").stdout
    assert tracker("seal", "holidays").stdout  # the example calendar's holidays ahead, or none
