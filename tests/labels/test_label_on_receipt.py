"""Labels on receipt through the real printer simulator over TCP: a carrier counts as
labelled only once its barcode and tag are read back; failures leave it unlabelled;
every print and reprint is in the register."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from labels.errors import ReadbackError
from labels.station import LabelStation
from simulators.printer import PrinterSimulator
from tests.services.conftest import clock, receive_one, snapshot, svc
from tracker.domain.errors import PrinterError
from tracker.domain.levels import Level
from tracker.services.base import Services
from tracker.services.labelling import label

__all__ = ["clock", "snapshot", "svc"]


@pytest.fixture
def printer() -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator().start()
    yield sim
    sim.stop()


def station(sim: PrinterSimulator) -> LabelStation:
    return LabelStation("desk", sim.url)


def labelled(svc: Services, serial: str) -> bool:
    with svc.read() as uow:
        c = uow.carriers.get(serial)
        assert c is not None
        return c.labelled


def test_received_carrier_is_labelled_once_barcode_and_tag_read_back(
    svc: Services, printer
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    assert not labelled(svc, c.serial)
    result = label(svc, "carol", c.serial, station(printer))
    assert result.barcode == c.serial and result.tag_epc == c.epc
    assert labelled(svc, c.serial)
    assert [t.epc for t in printer.tags] == [c.epc]  # the simulated tag now carries the EPC
    job = printer.jobs[-1]
    assert "关于" not in job.job_bytes().decode("utf-8", "replace")  # no title on the label
    with svc.read() as uow:
        (entry,) = [e for e in uow.ledger.for_carrier(c.serial) if e.action == "label"]
    assert entry.data["ok"] is True and entry.data["printer"] == "desk"


def test_a_second_print_is_a_reprint_marked_on_the_label(svc: Services, printer) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    label(svc, "carol", c.serial, station(printer))
    label(svc, "carol", c.serial, station(printer))
    assert (
        "补打".encode() in printer.jobs[-1].job_bytes()
        or b"REPRINT" in printer.jobs[-1].job_bytes()
    )
    with svc.read() as uow:
        actions = [e.action for e in uow.ledger.for_carrier(c.serial)]
    assert actions.count("label") == 1 and actions.count("reprint") == 1


def test_rfid_encode_failure_leaves_the_carrier_unlabelled_and_is_recorded(
    svc: Services, printer
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    printer.fail_rfid(1)
    with pytest.raises(PrinterError):
        label(svc, "carol", c.serial, station(printer))
    assert not labelled(svc, c.serial)
    with svc.read() as uow:
        (entry,) = [e for e in uow.ledger.for_carrier(c.serial) if e.action == "label"]
    assert entry.data["ok"] is False and entry.data["error"]


def test_a_tag_written_with_the_wrong_epc_is_caught_by_the_printer_read_back(
    svc: Services, printer
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    printer.write_wrong_epc("3414257BF4000000000FFFFF")
    with pytest.raises(PrinterError, match="3414257BF4000000000FFFFF"):
        label(svc, "carol", c.serial, station(printer))
    assert not labelled(svc, c.serial)


def test_office_printer_with_a_desk_reader_confirms_barcode_and_tag(
    svc: Services, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.CONFIDENTIAL)
    desk = LabelStation("office", f"file://{tmp_path}?format=png", tag_reader=lambda _s: c.epc)
    assert label(svc, "carol", c.serial, desk).barcode == c.serial
    assert labelled(svc, c.serial)
    assert list(tmp_path.glob("*.png"))


def test_desk_reader_reading_another_tag_fails_the_read_back(svc: Services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.CONFIDENTIAL)
    desk = LabelStation(
        "office", f"file://{tmp_path}?format=pdf", tag_reader=lambda _s: "3414257BF40000000000BEEF"
    )
    with pytest.raises(ReadbackError) as e:
        label(svc, "carol", c.serial, desk)
    assert e.value.part == "epc"
    assert not labelled(svc, c.serial)


def test_paper_out_is_a_clear_printer_error(svc: Services, printer) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    printer.set_paper_out()
    with pytest.raises(PrinterError) as e:
        label(svc, "carol", c.serial, station(printer))
    assert "paper" in str(e.value).lower() and e.value.zh
    assert not labelled(svc, c.serial)


def test_office_printer_and_a_real_desk_reader_over_a_pty(svc: Services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from drivers.desk import read_desk_tag
    from simulators.m100 import M100Simulator

    c = receive_one(svc, Level.CONFIDENTIAL)
    desk = M100Simulator(tmp_path / "usb-desk-reader").start()
    try:
        desk.add_tag("E2801170000002089ABCDEF0", rssi=-70)  # a badge lying further away
        desk.add_tag(c.epc or "", rssi=-40)  # the new label on the reader
        station = LabelStation(
            "office",
            f"file://{tmp_path}?format=pdf",
            tag_reader=lambda _s: read_desk_tag(str(desk.link_path), want=c.epc, timeout=3),
        )
        result = label(svc, "carol", c.serial, station)
    finally:
        desk.stop()
    assert result.tag_epc == c.epc
    assert labelled(svc, c.serial)
