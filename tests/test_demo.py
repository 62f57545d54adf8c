"""The scripted day in the simulated office raises exactly the alerts it should, and the
day's register verifies."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from tracker.cli.main import main
from tracker.demo import EXPECTED
from tracker.store.db import make_engine
from tracker.store.uow import SqlUnitOfWork

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "site.toml"

pytestmark = pytest.mark.timeout(300)


def test_the_demo_day_raises_every_expected_alert_and_no_other(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # The demo keeps its own database and ledger key, whatever the environment names.
    monkeypatch.setenv("TRACKER_LEDGER_KEY", "ab" * 32)
    monkeypatch.setenv("TRACKER_LEDGER_KEY_FILE", str(tmp_path / "elsewhere" / "ledger.key"))
    environment = {k: v for k, v in os.environ.items() if k.startswith("TRACKER_")}
    code = main(["demo", "--site", str(EXAMPLE), "--workdir", str(tmp_path), "--json"])
    assert {k: v for k, v in os.environ.items() if k.startswith("TRACKER_")} == environment
    printed = capsys.readouterr()
    assert printed.out, f"the demo printed nothing (exit {code}): {printed.err}"
    out = json.loads(printed.out)
    assert code == 0 and out["ok"], (out["missing"], out["unexpected"], printed.err)
    by_type = {(a["type"], a["rule"]): a for a in out["alerts"]}
    assert set(by_type) == EXPECTED
    kinds = Counter((a["type"], a["rule"]) for a in out["alerts"])
    # one alert of each kind — but the inventory-due notice, one per level held (R9)
    assert kinds.pop(("inventory_due", "R9")) == 3 and set(kinds.values()) == {1}
    assert by_type[("unauthorized_removal", "R2")]["severity"] == "critical"
    assert (
        by_type[("unauthorized_removal", "R6")]["subject"]
        == by_type[("unauthorized_removal", "R2")]["subject"]
    )
    assert by_type[("reader_offline", None)]["subject"] == "door-office-b-in"
    assert by_type[("reader_offline", None)]["state"] == "resolved"
    assert (
        by_type[("overdue_borrow", "R4")]["subject"]
        == by_type[("not_locked_away", "R7")]["subject"]
    )
    # R16: the one who carried the top-secret carrier out had no record for it.
    r16 = by_type[("unrecorded_contact", "R16")]
    assert r16["subject"] == by_type[("unauthorized_removal", "R2")]["subject"]
    assert "李核心" in r16["zh"]
    # R18: the telegram registered late is due today and overdue at the close; the
    # document received and handled today raises nothing.
    due, overdue = by_type[("handling_due", "R18")], by_type[("handling_overdue", "R18")]
    assert due["subject"] == overdue["subject"] != r16["subject"]
    assert overdue["first_seen"].startswith("2026-12-01T17:3")
    records = [t["text"] for t in out["timeline"] if t["kind"] == "record"]
    # R16: alice read it at the reading desk by badge, ann at the custodian's desk.
    assert records and "alice reading (badge), ann reading (desk)" in records[0]
    assert "ann handling" in records[-1]
    # R17: the attendee who kept a material is named; collected late, the alert resolved
    kept = by_type[("not_collected", "R17")]
    assert "erin" in kept["message"] and kept["state"] == "resolved"
    assert by_type[("left_behind", "R17")]["subject"] != kept["subject"]
    # R19: the carrier taken from the sealed safe is the one unsealing finds missing
    broken, mismatch = by_type[("seal_broken", "R19")], by_type[("seal_mismatch", "R19")]
    assert broken["severity"] == "critical" and broken["subject"] == mismatch["subject"]
    assert "safe-s1" in mismatch["message"]
    scenes = [t["text"] for t in out["timeline"] if t["kind"] == "scene"]
    assert scenes[0] == "上班" and any("下班" in s for s in scenes)  # Chinese by default
    assert "封存" in scenes[-1] or "启封" in scenes[-1]  # the day ends with the unsealing
    printed_all = json.dumps(out, ensure_ascii=False)
    assert "演示文件" not in printed_all  # no title is ever printed
    assert "年终保密工作会" not in printed_all  # nor a meeting's name

    key = bytes.fromhex((tmp_path / "ledger.key").read_text().strip())
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with SqlUnitOfWork(engine, key, write=False) as uow:
            verdict = uow.ledger.verify()
            labelled = uow.carriers.count(labelled=True)
    finally:
        engine.dispose()
    assert verdict.ok, verdict.problem
    assert verdict.entries > 100 and labelled == 21  # 20 received, and the late telegram
