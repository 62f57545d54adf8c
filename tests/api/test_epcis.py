"""GET /api/v1/epcis/events: an EPCIS 2.0 document that validates against GS1's JSON
Schema, with the standard's filters and paging."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, FormatChecker

from tests.api.conftest import Api, Gateway, received
from tests.api.test_ingest import crossing, post
from tests.factories import T0

# GS1's schema, kept with the tests (see data/epcis/README.md) so a clean clone checks it.
STANDARDS = Path(__file__).resolve().parent / "data" / "epcis"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    path = STANDARDS / "EPCIS-JSON-Schema.json"
    return Draft7Validator(
        json.loads(path.read_text(encoding="utf-8")), format_checker=FormatChecker()
    )


def test_the_standard_example_validates(validator: Draft7Validator) -> None:
    example = json.loads(
        (STANDARDS / "Example_9.6.1-ObjectEvent.jsonld").read_text(encoding="utf-8")
    )
    assert list(validator.iter_errors(example)) == []


def scenario(
    api: Api, client: TestClient, gateway: Gateway
) -> tuple[dict[str, Any], dict[str, Any]]:
    a = received(api, "confidential", scope_people=["alice"])
    post(client, gateway, [crossing("x1", a["epc"], "out", T0 + timedelta(minutes=1))])
    post(client, gateway, [crossing("x2", a["epc"], "in", T0 + timedelta(minutes=3))])
    b = received(api)
    d = api.ok(
        "carol",
        "POST",
        "/api/v1/destructions",
        json={"serials": [b["serial"]], "place": "secure", "method": "粉碎", "reason": "到期"},
    )
    api.ok("ann", "POST", f"/api/v1/destructions/{d['id']}/approve", json={})
    api.ok("oscar", "POST", f"/api/v1/destructions/{d['id']}/witness")
    api.ok("alice", "POST", f"/api/v1/destructions/{d['id']}/witness")
    api.ok("carol", "POST", f"/api/v1/destructions/{d['id']}/execute")
    return a, b


def export(api: Api, **params: Any) -> Any:
    r = api.call("oscar", "GET", "/api/v1/epcis/events", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/ld+json")
    return r


def test_export_validates_and_maps_every_step(
    api: Api, client: TestClient, gateway: Gateway, validator: Draft7Validator
) -> None:
    a, b = scenario(api, client, gateway)
    doc = export(api).json()
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    events = doc["epcisBody"]["eventList"]
    steps = [(e["epcList"][0], e["action"], e["bizStep"]) for e in events]
    ea, eb = a["epc_uri"], b["epc_uri"]
    assert steps == [
        (ea, "ADD", "receiving"),
        (ea, "OBSERVE", "storing"),
        (ea, "OBSERVE", "departing"),
        (ea, "OBSERVE", "arriving"),
        (ea, "OBSERVE", "departing"),
        (ea, "OBSERVE", "arriving"),
        (eb, "ADD", "receiving"),
        (eb, "OBSERVE", "storing"),
        (eb, "DELETE", "destroying"),
    ]
    dep, arr = events[2], events[3]
    assert dep["readPoint"]["id"] == arr["readPoint"]["id"] == "urn:tracker:hq:door:door-secure"
    assert "bizLocation" not in dep
    assert dep["sourceList"] == [{"type": "location", "source": "urn:tracker:hq:place:secure"}]
    assert arr["bizLocation"]["id"] == "urn:tracker:hq:place:corridor"
    assert (
        arr["eventTime"] == "2026-11-24T10:01:00.000+08:00"
        and arr["eventTimeZoneOffset"] == "+08:00"
    )
    assert events[1]["bizLocation"]["id"] == "urn:tracker:hq:safe:safe-s1"
    assert events[-1]["disposition"] == "destroyed"
    assert len({e["eventID"] for e in events}) == len(events)
    assert export(api).json()["epcisBody"]["eventList"] == events  # stable ids


def test_filters(
    api: Api, client: TestClient, gateway: Gateway, validator: Draft7Validator
) -> None:
    a, b = scenario(api, client, gateway)

    def steps(**params: Any) -> list[tuple[str, str]]:
        doc = export(api, **params).json()
        assert list(validator.iter_errors(doc)) == []
        return [(e["epcList"][0], e["bizStep"]) for e in doc["epcisBody"]["eventList"]]

    assert steps(EQ_bizStep="departing") == [(a["epc_uri"], "departing")] * 2
    assert steps(EQ_bizStep="urn:epcglobal:cbv:bizstep:destroying|receiving") == [
        (a["epc_uri"], "receiving"),
        (b["epc_uri"], "receiving"),
        (b["epc_uri"], "destroying"),
    ]
    assert {e for e, _ in steps(MATCH_epc=b["epc_uri"])} == {b["epc_uri"]}
    assert len(steps(MATCH_epc="urn:epc:idpat:giai:0614141.*")) == 9
    assert steps(MATCH_epc="urn:epc:id:giai:0614141.999999") == []
    window = steps(GE_eventTime="2026-11-24T02:02:00Z", LT_eventTime="2026-11-24T02:04:00Z")
    assert window == [(a["epc_uri"], "departing"), (a["epc_uri"], "arriving")]
    r = api.call("oscar", "GET", "/api/v1/epcis/events", params={"EQ_bizStep": "shipping"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "EQ_bizStep"
    r = api.call("oscar", "GET", "/api/v1/epcis/events", params={"GE_eventTime": "yesterday"})
    assert r.status_code == 422


def test_paging_follows_the_link_header(api: Api, client: TestClient, gateway: Gateway) -> None:
    scenario(api, client, gateway)
    seen: list[str] = []
    params: dict[str, Any] = {"perPage": 2}
    for _ in range(20):
        r = export(api, **params)
        seen += [e["eventID"] for e in r.json()["epcisBody"]["eventList"]]
        link = r.headers.get("Link")
        if not link:
            break
        token = link.split("nextPageToken=")[1].split(">")[0].split("&")[0]
        params = {"perPage": 2, "nextPageToken": token}
    all_ids = [e["eventID"] for e in export(api).json()["epcisBody"]["eventList"]]
    assert seen == all_ids


def test_staff_may_not_export(api: Api) -> None:
    assert api.call("bob", "GET", "/api/v1/epcis/events").status_code == 403


def test_the_validator_really_checks_formats(validator: Draft7Validator) -> None:
    # Without the optional format packages jsonschema silently skips "uri"/"date-time".
    assert not validator.format_checker.conforms("not a uri", "uri")
    assert not validator.format_checker.conforms("2026-11-24", "date-time")
