"""``tracker disclosure`` and ``tracker handling`` (R16, R18) through the same entry
point as the console script, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from tests.cli.test_cli_core import EXAMPLE, receive_top_secret, tracker

__all__ = ["tracker"]


def test_a_reading_session_and_the_record_from_the_command_line(tracker) -> None:  # type: ignore[no-untyped-def]
    tracker("site", "load", str(EXAMPLE))
    tracker("person", "add", "alice", "--name", "李", "--clearance", "core", "--department", "p")
    tracker("person", "add", "bob", "--name", "周", "--clearance", "core", "--department", "f")
    c = receive_top_secret(tracker, "--scope-people", "alice")
    session = tracker(
        "disclosure", "read", c["serial"], "--reader", "alice", "--as", "carol"
    ).stdout.strip()
    listed = json.loads(tracker("disclosure", "sessions", "--as", "carol", "--json").stdout)
    assert [s["id"] for s in listed] == [session]
    assert "closed at" in tracker("disclosure", "close", session, "--as", "carol").stdout
    record = json.loads(
        tracker("disclosure", "record", c["serial"], "--as", "alice", "--json").stdout
    )
    assert [(d["person"], d["kind"], d["source"]) for d in record] == [
        ("carol", "receipt", "record"),
        ("alice", "reading", "desk"),
    ]
    refused = tracker("disclosure", "record", c["serial"], "--as", "bob", ok=False)
    assert refused.returncode == 2 and "knowledge scope" in refused.stderr
    again = tracker("disclosure", "close", session, "--as", "carol", ok=False)
    assert again.returncode == 2 and "already closed" in again.stderr


def test_handling_from_the_command_line(tracker) -> None:  # type: ignore[no-untyped-def]
    tracker("site", "load", str(EXAMPLE))
    tracker("person", "add", "ann", "--name", "钱", "--clearance", "core", "--role", "approver")
    c = receive_top_secret(tracker, "--scope-people", "ann")
    pending = json.loads(tracker("handling", "list", "--pending", "--as", "ann", "--json").stdout)
    assert [(h["carrier"], h["state"]) for h in pending] == [(c["serial"], "open")]
    out = tracker("handling", "instruct", c["serial"], "--note", "请阅办", "--as", "ann")
    assert out.stdout.strip() == f"{c['serial']} instructed"
    assert tracker("handling", "done", c["serial"], "--note", "已办结", "--as", "carol").stdout
    shown = json.loads(tracker("handling", "show", c["serial"], "--as", "carol", "--json").stdout)
    assert (shown["state"], shown["instruction"], shown["outcome"]) == ("done", "请阅办", "已办结")
    empty = tracker("handling", "done", c["serial"], "--note", " ", "--as", "carol", ok=False)
    assert empty.returncode == 2


def test_a_gateway_for_an_unknown_reading_desk_is_refused(tracker) -> None:  # type: ignore[no-untyped-def]
    out = tracker("gateway", "--site", str(EXAMPLE), "--desk", "nowhere", ok=False)
    assert out.returncode == 2 and "no reading desk 'nowhere'" in out.stderr
