"""The one router pattern of the approval workflow: every kind of request is approved at
``POST …/{id}/approve`` and rejected, with a note, at ``POST …/{id}/reject`` by an
approver logged in as themselves; the register shows which."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, received
from tracker.domain.clock import ManualClock
from tracker.domain.ledger import Action
from tracker.services.base import Services


def _borrow(api: Api, serial: str, _clock: ManualClock) -> dict[str, Any]:
    body = {"serial": serial, "destination": "reading", "purpose": "阅办"}
    return api.ok("alice", "POST", "/api/v1/borrows", json=body)  # type: ignore[no-any-return]


def _circulation(api: Api, serial: str, _clock: ManualClock) -> dict[str, Any]:
    body = {"serial": serial, "readers": ["alice", "erin"], "destination": "reading"}
    return api.ok("carol", "POST", "/api/v1/circulations", json=body)  # type: ignore[no-any-return]


def _carry_out(api: Api, serial: str, clock: ManualClock) -> dict[str, Any]:
    now = clock.now()
    body = {
        "serials": [serial],
        "carrier_person": "alice",
        "destination": "上级机关",
        "reason": "送审",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=4)).isoformat(),
    }
    return api.ok("alice", "POST", "/api/v1/carry-outs", json=body)  # type: ignore[no-any-return]


def _copy(api: Api, serial: str, _clock: ManualClock) -> dict[str, Any]:
    body = {"serial": serial, "count": 1, "reason": "会议"}
    return api.ok("alice", "POST", "/api/v1/copies", json=body)  # type: ignore[no-any-return]


def _destruction(api: Api, serial: str, _clock: ManualClock) -> dict[str, Any]:
    body = {"serials": [serial], "place": "secure", "method": "粉碎", "reason": "过期"}
    return api.ok("carol", "POST", "/api/v1/destructions", json=body)  # type: ignore[no-any-return]


def _level_change(api: Api, serial: str, _clock: ManualClock) -> dict[str, Any]:
    body = {"serial": serial, "level": "confidential", "period": "5y", "reason": "降密"}
    return api.ok("carol", "POST", "/api/v1/level-changes", json=body)  # type: ignore[no-any-return]


Ask = Callable[[Api, str, ManualClock], dict[str, Any]]
# kind, path, how to ask, the state an approval gives, the register's action prefix
KINDS: list[tuple[str, str, Ask, str, str]] = [
    ("borrow", "/api/v1/borrows", _borrow, "approved", "borrow"),
    ("circulation", "/api/v1/circulations", _circulation, "active", "circulation"),
    ("carry_out", "/api/v1/carry-outs", _carry_out, "approved", "carry_out"),
    ("copy", "/api/v1/copies", _copy, "approved", "copy"),
    ("destruction", "/api/v1/destructions", _destruction, "approved", "destroy"),
    ("level_change", "/api/v1/level-changes", _level_change, "approved", "level_change"),
]
each_kind = pytest.mark.parametrize(
    ("path", "ask", "approved", "action"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS]
)


def _actions(api: Api, serial: str) -> list[str]:
    return [
        e["action"] for e in api.ok("oscar", "GET", f"/api/v1/carriers/{serial}/history")["entries"]
    ]


@each_kind
def test_approve_through_the_api(
    api: Api, clock: ManualClock, path: str, ask: Ask, approved: str, action: str
) -> None:
    c = received(api, "confidential", scope_people=["alice", "erin"])
    req = ask(api, c["serial"], clock)
    assert req["state"] == "requested" and req["approver"] is None
    err = api.refused("alice", "POST", f"{path}/{req['id']}/approve", 403, json={})
    assert err["code"] == "role_forbidden"
    out = api.ok("ann", "POST", f"{path}/{req['id']}/approve", json={"note": " 同意 "})
    assert (out["state"], out["approver"], out["decision_note"]) == (approved, "ann", "同意")
    assert f"{action}_approve" in _actions(api, c["serial"])


@each_kind
def test_reject_through_the_api(
    api: Api, clock: ManualClock, path: str, ask: Ask, approved: str, action: str
) -> None:
    c = received(api, "confidential", scope_people=["alice", "erin"])
    req = ask(api, c["serial"], clock)
    err = api.refused("ann", "POST", f"{path}/{req['id']}/reject", 422, json={})
    assert err["field"] == "note"
    err = api.refused("ann", "POST", f"{path}/{req['id']}/reject", 422, json={"note": "  "})
    assert err["field"] == "note"
    out = api.ok("ann", "POST", f"{path}/{req['id']}/reject", json={"note": "不必要"})
    assert (out["state"], out["approver"], out["decision_note"]) == ("rejected", "ann", "不必要")
    history = _actions(api, c["serial"])
    assert history[-1] == f"{action}_reject" and f"{action}_approve" not in history
    err = api.refused("andy", "POST", f"{path}/{req['id']}/approve", 409, json={})
    assert err["code"] == "conflict"


def test_a_circulation_naming_its_approver_is_refused_and_waits_for_one(
    api: Api, clock: ManualClock
) -> None:
    c = received(api, "confidential", scope_people=["alice"])
    body = {"serial": c["serial"], "readers": ["alice"], "destination": "reading"}
    err = api.refused(
        "carol", "POST", "/api/v1/circulations", 422, json={**body, "approver": "ann"}
    )
    assert err["code"] == "invalid_input"
    assert api.ok("carol", "GET", "/api/v1/circulations")["total"] == 0
    circ = api.ok("carol", "POST", "/api/v1/circulations", json=body)
    err = api.refused("carol", "POST", f"/api/v1/circulations/{circ['id']}/issue-next", 409)
    assert err["code"] == "conflict"
    api.ok("ann", "POST", f"/api/v1/circulations/{circ['id']}/approve", json={})
    hop = api.ok("carol", "POST", f"/api/v1/circulations/{circ['id']}/issue-next")
    assert (hop["borrower"], hop["approver"]) == ("alice", "ann")


def test_a_level_change_request_names_its_new_level_or_declassifies(api: Api) -> None:
    c = received(api, "confidential")
    err = api.refused(
        "carol", "POST", "/api/v1/level-changes", 422, json={"serial": c["serial"], "reason": "x"}
    )
    assert err["field"] == "level"
    req = api.ok(
        "carol",
        "POST",
        "/api/v1/level-changes",
        json={"serial": c["serial"], "declassify": True, "reason": "提前解密"},
    )
    pending = api.ok("ann", "GET", "/api/v1/level-changes", params={"state": "requested"})
    assert [r["id"] for r in pending["items"]] == [req["id"]]
    api.ok("ann", "POST", f"/api/v1/level-changes/{req['id']}/approve", json={})
    assert api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")["state"] == "declassified"
    assert api.ok("ann", "GET", f"/api/v1/level-changes/{req['id']}")["state"] == "approved"


def test_history_shows_an_old_rejection_sealed_as_an_approval_for_what_it_was(
    api: Api, svc: Services
) -> None:
    c = received(api)
    with svc.transaction() as tx:  # what the code before issue 11 wrote for a rejected copy
        tx.record(
            Action.COPY_APPROVE,
            "ann",
            carrier=c["serial"],
            approver="ann",
            data={"copy_request": "r1", "approved": False},
        )
    last = api.ok("oscar", "GET", f"/api/v1/carriers/{c['serial']}/history")["entries"][-1]
    assert (last["action"], last["recorded_action"]) == ("copy_reject", "copy_approve")
    assert api.ok("oscar", "GET", "/api/v1/audit/verify")["ok"] is True
