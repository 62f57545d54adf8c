"""Need-to-know (R3) in the services, as the API, the command line and the live stream
use it: who may know a carrier, the restricted view, a search that reveals no hidden
title, history only with need-to-know, which requests and alerts a person sees, and
which live events reach them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import NotFound, PermissionDenied
from tracker.domain.model import LossKind, Person
from tracker.services import borrowing, carry_out, copying, knowledge, loss
from tracker.services.base import Event, Services

TITLE = "关于某项目的请示"


def _person(svc: Services, pid: str) -> Person:
    with svc.read() as uow:
        p = uow.people.get(pid)
    assert p is not None
    return p


def test_only_keepers_and_the_scope_may_know_and_others_get_the_restricted_view(
    svc: Services,
) -> None:
    c = receive_one(svc)  # scope: the policy department
    for pid in ("carol", "oscar", "alice", "dave"):
        assert knowledge.view(_person(svc, pid), c).known, pid
    for who in (_person(svc, "bob"), _person(svc, "ann"), None):
        v = knowledge.view(who, c)
        assert not v.known
        assert v.public() == {
            "serial": c.serial,
            "level": "secret",
            "marking": "机密★10年",
            "state": "registered",
            "restricted": True,
        }
    assert set(v.public()) - {"restricted"} == set(knowledge.RESTRICTED_FIELDS)


def test_a_search_reveals_no_hidden_title_by_results_or_count(svc: Services) -> None:
    receive_one(svc)
    receive_one(svc)
    mine = receive_one(svc, scope_departments=("finance",), title="财务报表")
    bob = _person(svc, "bob")
    assert knowledge.search(svc, _person(svc, "carol"), text="项目").total == 2
    for q in ("项目", TITLE):
        found = knowledge.search(svc, bob, text=q)
        assert (found.total, found.items) == (0, []), q
    found = knowledge.search(svc, bob, text="财务")
    assert [v.carrier.serial for v in found.items] == [mine.serial] and found.items[0].known
    assert knowledge.search(svc, bob, text="JM-2026").total == 3  # serials match for all
    assert knowledge.search(svc, bob, hidden={"home_room": "secure"}).total == 1  # only his
    alice = _person(svc, "alice")
    assert knowledge.search(svc, alice, hidden={"home_room": "secure"}).total == 2


def test_history_needs_need_to_know(svc: Services) -> None:
    c = receive_one(svc)
    assert [e.action for e in knowledge.history(svc, _person(svc, "alice"), c.serial)] == [
        "receive"
    ]
    with pytest.raises(PermissionDenied):
        knowledge.history(svc, _person(svc, "bob"), c.serial)
    with pytest.raises(NotFound):
        knowledge.history(svc, _person(svc, "alice"), "JM-2026-999999")


def test_requests_are_seen_by_keepers_approvers_and_those_taking_part(svc: Services) -> None:
    c = receive_one(svc, scope_people=("bob",))
    b = borrowing.request_borrow(svc, "bob", c.serial, "bob", "reading", "阅办")
    r = copying.request_copy(svc, "alice", c.serial, 1, "分发")
    for pid in ("carol", "oscar", "ann"):
        assert knowledge.may_see_request(_person(svc, pid), b), pid
    assert knowledge.may_see_request(_person(svc, "bob"), b)
    assert not knowledge.may_see_request(_person(svc, "alice"), b)
    assert knowledge.may_see_request(_person(svc, "alice"), r)
    assert not knowledge.may_see_request(_person(svc, "bob"), r)
    assert not knowledge.may_see_request(None, b)


def test_a_person_lists_only_the_requests_they_may_see(svc: Services, clock: ManualClock) -> None:
    # The API's lists of borrows, carry-outs and copies come from here (one place).
    c = receive_one(svc, scope_people=("bob", "alice", "erin"))
    ids = []
    for who, borrower in (("bob", "bob"), ("alice", "alice"), ("carol", "bob")):
        ids.append(borrowing.request_borrow(svc, who, c.serial, borrower, "reading", "阅办").id)
        clock.advance(timedelta(minutes=1))
    now = svc.now()
    co = carry_out.request_carry_out(
        svc,
        "carol",
        [c.serial],
        "erin",
        ["alice"],
        "上级机关",
        "送审",
        now,
        now + timedelta(hours=1),
    )
    cp = copying.request_copy(svc, "alice", c.serial, 1, "分发")

    def listed(pid: str, kind: str, **kw: object) -> tuple[list[str], int]:
        page, total = knowledge.visible_requests(
            svc,
            _person(svc, pid),
            kind,
            limit=kw.pop("limit", 50),
            offset=kw.pop("offset", 0),
            **kw,
        )
        return [r.id for r in page], total

    assert listed("bob", "borrows") == ([ids[2], ids[0]], 2)  # newest first; asked for him too
    assert listed("bob", "borrows", limit=1, offset=1) == ([ids[0]], 2)
    assert listed("bob", "borrows", requested_by="carol") == ([ids[2]], 1)
    assert listed("bob", "borrows", borrower="alice") == ([], 0)  # not his own instead
    assert listed("alice", "borrows") == ([ids[1]], 1)
    assert listed("carol", "borrows") == (ids[::-1], 3)
    assert listed("ann", "borrows", limit=2) == (ids[:0:-1], 3)  # approvers see every one
    assert listed("alice", "carry_outs") == ([co.id], 1)  # an escort takes part
    assert listed("bob", "carry_outs") == ([], 0)
    assert listed("alice", "copy_requests") == ([cp.id], 1)
    assert listed("bob", "copy_requests") == ([], 0)
    assert knowledge.visible_requests(svc, None, "borrows", limit=50, offset=0) == ([], 0)
    assert knowledge.request_for(svc, _person(svc, "bob"), "borrows", ids[1]) is None
    assert knowledge.request_for(svc, _person(svc, "alice"), "borrows", ids[1]) is not None
    assert knowledge.request_for(svc, _person(svc, "erin"), "carry_outs", co.id) is not None
    assert knowledge.request_for(svc, _person(svc, "carol"), "borrows", "nope") is None


def test_alerts_about_a_carrier_reach_only_those_who_may_know_it(svc: Services) -> None:
    c = receive_one(svc)
    loss.report_loss(svc, "alice", c.serial, LossKind.LOSS, "遗失", svc.now())
    (alert,), total = knowledge.visible_alerts(svc, _person(svc, "alice"), limit=10, offset=0)
    assert total == 1
    assert knowledge.visible_alerts(svc, _person(svc, "bob"), limit=10, offset=0) == ([], 0)
    with pytest.raises(NotFound):
        knowledge.alert_for(svc, _person(svc, "bob"), alert.id)
    assert knowledge.alert_for(svc, _person(svc, "oscar"), alert.id).id == alert.id


def test_live_events_reach_only_those_who_may_know_the_carrier(svc: Services) -> None:
    c = receive_one(svc)
    move = Event("movement", {"carrier": c.serial, "to_place": "corridor", "title": TITLE})
    site_alert = Event("alert", {"subject_kind": "reader", "subject": "door-secure-in"})
    carrier_alert = Event("alert", {"subject_kind": "carrier", "subject": c.serial})
    alice = knowledge.EventFilter.for_services(svc, _person(svc, "alice"))
    bob = knowledge.EventFilter.for_services(svc, _person(svc, "bob"))
    keeper = knowledge.EventFilter.for_services(svc, _person(svc, "carol"))
    assert alice.payload(move) == {"carrier": c.serial, "to_place": "corridor"}  # no title
    assert bob.payload(move) is None and bob.payload(carrier_alert) is None
    assert alice.payload(carrier_alert) is not None
    assert keeper.payload(site_alert) is not None and alice.payload(site_alert) is None


def test_an_event_filter_asks_again_after_its_cache_expires() -> None:
    from tests.factories import carrier, person

    asked: list[str] = []
    now = [0.0]
    c = carrier()

    def lookup(serial: str):  # type: ignore[no-untyped-def]
        asked.append(serial)
        return c

    f = knowledge.EventFilter(person("alice"), lookup, clock=lambda: now[0])
    ev = Event("carrier", {"serial": c.serial})
    assert f.payload(ev) is not None and f.payload(ev) is not None
    assert asked == [c.serial]
    now[0] = knowledge.EventFilter.CACHE_SECONDS + 1
    f.payload(ev)
    assert asked == [c.serial, c.serial]
