"""Nothing sensitive in any log (issue 10, hole 6): a whole workflow runs with every
logger at DEBUG, and every line - and the administration log - is scanned for the
titles, notes, search texts, passwords and tokens it used. The access log names the route
template, status and timing. The real server (uvicorn, as ``tracker serve`` runs it)
prints no request line of its own and no ``server`` banner."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api, Gateway, password, receipt
from tests.api.test_ingest import crossing, post
from tracker.domain.clock import ManualClock
from tracker.domain.ledger import EntryFilter
from tracker.services.base import Services

SECRETS = {
    "title": "关于绝密甲项目进展的请示",
    "notes": "附件三份另行转交",
    "purpose": "起草乙方案答复",
    "approval": "同意但须当日归还",
    "search": "甲项目进展",
    "loss": "疑似遗失在三号会议室",
    "resolution": "已在丙处找到",
    "password": "pw-bob-correct-horse",
    "copy": "复印两份供乙处会签",
    "copy_no": "会签可传阅原件",
    "level": "项目转入公开阶段",
    "level_no": "尚有未公开内容",
    "widen": "请丙同志协助起草",
    "destination": "丁市某研究所",
    "carry": "携带至丁市汇报",
    "carry_no": "改为视频汇报",
    "method": "碎纸机粉碎成末",
    "destroy": "草稿已无保存价值",
    "destroy_no": "定稿前仍需留存",
}


class Lines(logging.Handler):
    """Every record of every logger, formatted as it would be written."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own HTTP client, not the service
        self.lines.append(self.format(record))


@pytest.fixture
def lines() -> Iterator[list[str]]:
    handler = Lines()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Like TRACKER_LOG_LEVEL=DEBUG: the root and the service's own loggers at DEBUG.
    quiet = [logging.getLogger(n) for n in ("tracker", "api", "uvicorn")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for q, lvl in zip(quiet, levels, strict=True):
            q.setLevel(lvl)


def test_a_whole_workflow_logs_no_title_note_search_or_secret(
    api: Api,
    client: TestClient,
    gateway: Gateway,
    svc: Services,
    clock: ManualClock,
    lines: list[str],
) -> None:
    s = SECRETS
    body = receipt(title=s["title"], notes=s["notes"], scope_people=["alice"])
    (c,) = api.ok("carol", "POST", "/api/v1/carriers", json=body)["carriers"]
    api.ok("carol", "POST", f"/api/v1/carriers/{c['serial']}/store", json={})
    api.ok("alice", "GET", "/api/v1/carriers", params={"q": s["search"]})
    api.ok("bob", "GET", "/api/v1/carriers", params={"q": s["title"]})
    api.call("carol", "GET", f"/api/v1/carriers?q={s['search']}&limit=0")  # a 422
    b = api.ok(
        "alice",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": s["purpose"]},
    )
    api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", json={"note": s["approval"]})
    api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out")
    post(client, gateway, [crossing("log-1", c["epc"], "out", clock.now())])
    api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/return", json={})
    # Every kind of request, each refused with a note (the notes are the secrets).
    serial = c["serial"]
    now = clock.now()
    asked = {
        "copies": api.ok(
            "alice",
            "POST",
            "/api/v1/copies",
            json={"serial": serial, "count": 2, "reason": s["copy"]},
        ),
        "level-changes": api.ok(
            "carol",
            "POST",
            "/api/v1/level-changes",
            json={"serial": serial, "declassify": True, "reason": s["level"]},
        ),
        "carry-outs": api.ok(
            "carol",
            "POST",
            "/api/v1/carry-outs",
            json={
                "serials": [serial],
                "carrier_person": "alice",
                "escorts": ["erin"],
                "destination": s["destination"],
                "reason": s["carry"],
                "valid_from": now.isoformat(),
                "valid_until": (now + timedelta(hours=2)).isoformat(),
            },
        ),
        "destructions": api.ok(
            "carol",
            "POST",
            "/api/v1/destructions",
            json={
                "serials": [serial],
                "place": "secure",
                "method": s["method"],
                "reason": s["destroy"],
            },
        ),
    }
    notes = {
        "copies": "copy_no",
        "level-changes": "level_no",
        "carry-outs": "carry_no",
        "destructions": "destroy_no",
    }
    for kind, req in asked.items():
        api.ok("ann", "POST", f"/api/v1/{kind}/{req['id']}/reject", json={"note": s[notes[kind]]})
    api.ok(
        "ann",
        "POST",
        f"/api/v1/carriers/{serial}/scope",
        json={"people": ["erin"], "reason": s["widen"]},
    )
    bad = receipt(title=s["title"], level="nonsense")
    api.call("carol", "POST", "/api/v1/carriers", json=bad)  # 422 with the title in the body
    r = api.ok(
        "alice",
        "POST",
        "/api/v1/loss-reports",
        json={
            "serial": c["serial"],
            "kind": "loss",
            "description": s["loss"],
            "discovered_at": clock.now().isoformat(),
        },
    )
    assert r["late"] is False
    (alert,) = api.ok("carol", "GET", "/api/v1/alerts", params={"state": "open"})["items"]
    api.ok("carol", "POST", f"/api/v1/alerts/{alert['id']}/resolve", json={"note": s["resolution"]})
    issued = client.post(
        "/api/v1/auth/token", data={"username": "bob", "password": s["password"]}
    ).json()["access_token"]
    client.get("/api/v1/carriers", headers={"Authorization": f"Bearer {issued}"})
    client.post("/api/v1/auth/token", data={"username": s["password"], "password": "x" * 9})
    clock.advance(timedelta(minutes=1))

    assert len(lines) > 10
    text = "\n".join(lines)
    for what, secret in {**s, "token": issued}.items():
        assert secret not in text, f"the {what} is in the log"
    access = [line for line in lines if line.startswith("tracker.access")]
    assert any("GET /api/v1/carriers 200" in line for line in access)
    assert any("POST /api/v1/borrows/{borrow_id}/approve 200" in line for line in access)
    assert all(" ms (request id " in line for line in access)
    with svc.read() as uow:
        entries = uow.admin_log.find(EntryFilter(), limit=10_000)
    logged = json.dumps([e.data for e in entries], ensure_ascii=False)
    for what, secret in {**s, "token": issued}.items():
        assert secret not in logged, f"the {what} is in the administration log"
    assert '"client": "testclient"' in logged


def test_the_real_server_logs_templates_only_and_shows_no_banner(
    served: str, lines: list[str], auth: Any
) -> None:
    captured = Lines()
    uv = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.access", "uvicorn.error")]
    for lg in uv:  # uvicorn's loggers do not propagate to the root: listen to them directly
        lg.addHandler(captured)
    try:
        r = httpx.get(
            f"{served}/api/v1/carriers",
            params={"q": SECRETS["search"]},
            headers=auth("carol"),
            timeout=10,
        )
        ok = httpx.get(f"{served}/healthz", timeout=10)
    finally:
        for lg in uv:
            lg.removeHandler(captured)
    assert r.status_code == 200 and ok.status_code == 200
    for answer in (r, ok):
        assert "server" not in answer.headers
        assert answer.headers["cache-control"] == "no-store"
    text = "\n".join(lines + captured.lines)
    assert SECRETS["search"] not in text and "q=" not in text
    assert "GET /api/v1/carriers 200" in text
    assert password("carol") not in text
