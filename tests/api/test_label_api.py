"""Printing a carrier's label over the API, against the printer simulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from simulators.printer import PrinterSimulator
from tests.api.conftest import app, auth, client, gateway, settings
from tests.services.conftest import receive_one
from tracker.config import PrinterConfig
from tracker.domain.levels import Level
from tracker.services.base import Services

__all__ = ["app", "auth", "client", "gateway", "settings"]


@pytest.fixture
def printer(svc: Services) -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator().start()
    svc.site = replace(svc.site, printers=(PrinterConfig("desk", sim.url, "zpl"),))
    yield sim
    sim.stop()


def test_custodian_prints_and_confirms_a_label(svc, client, auth, printer) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    r = client.post(f"/api/v1/carriers/{c.serial}/label", json={}, headers=auth("carol"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "serial": c.serial,
        "printer": "desk",
        "kind": "zpl",
        "barcode": c.serial,
        "tag_epc": c.epc,
    }
    shown = client.get(f"/api/v1/carriers/{c.serial}", headers=auth("carol")).json()
    assert shown["labelled"] is True


def test_paper_out_is_a_502_with_the_reason_and_nothing_labelled(
    svc, client, auth, printer
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    printer.set_paper_out()
    r = client.post(
        f"/api/v1/carriers/{c.serial}/label",
        json={},
        headers={**auth("carol"), "Accept-Language": "en"},
    )
    assert r.status_code == 502
    assert "paper" in r.json()["error"]["message"].lower()
    assert (
        client.get(f"/api/v1/carriers/{c.serial}", headers=auth("carol")).json()["labelled"]
        is False
    )


def test_staff_may_not_print_labels(svc, client, auth, printer) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    r = client.post(f"/api/v1/carriers/{c.serial}/label", json={}, headers=auth("alice"))
    assert r.status_code == 403
