"""The ZPL printer simulator over real TCP, driven by the real TCP printer client."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from labels import LabelContent, confirm_label, open_printer, render_job, render_zpl
from labels.errors import PrinterFault, PrinterNotResponding, RfidEncodeError
from labels.printers import TcpZplPrinter
from labels.zebra import HostStatus, format_host_status, parse_host_status, split_frames
from simulators.printer import PrinterSimulator, SimulatedTag
from tracker.domain.errors import DeviceUnavailable, FrameError

EPC = "3414257BF400000000BC6038"


@pytest.fixture
def sim() -> Iterator[PrinterSimulator]:
    with PrinterSimulator() as s:
        yield s


def _printer(sim: PrinterSimulator, **kw: float) -> TcpZplPrinter:
    return TcpZplPrinter(
        sim.host,
        sim.port,
        timeout=kw.get("timeout", 2.0),
        print_timeout=kw.get("print_timeout", 5.0),
        poll_interval=0.05,
    )


def _job(serial: str = "JM-2026-000123", epc: str | None = EPC) -> bytes:
    return render_zpl(LabelContent.sample(serial=serial, epc=epc))


# --- ~HS codec (layout of the ZPL II guide) -----------------------------------------


def test_host_status_bytes_follow_the_manual_layout() -> None:
    wire = format_host_status(HostStatus(paper_out=True, label_length=240, head_up=True))
    assert wire == (
        b"\x02000,1,0,0240,000,0,0,0,000,0,0,0\x03\r\n"
        b"\x02000,0,1,0,0,2,0,0,00000000,1,000\x03\r\n"
        b"\x021234,0\x03\r\n"
    )


def test_host_status_parses_a_printer_answer() -> None:
    # A ready printer with 2 formats queued, paused, ribbon out, 5 labels left.
    buf = bytearray(
        b"\x02030,0,1,1218,002,0,0,0,000,0,0,0\x03\r\n"
        b"\x02001,0,0,1,1,2,6,0,00000005,1,000\x03\r\n"
        b"\x021234,0\x03\r\n"
    )
    hs = parse_host_status(split_frames(buf))
    assert (hs.paused, hs.formats_in_buffer, hs.label_length) == (True, 2, 1218)
    assert (hs.ribbon_out, hs.thermal_transfer, hs.labels_remaining) == (True, True, 5)
    assert hs.problems() == ["ribbon_out", "paused"]
    assert bytes(buf).strip() == b""  # only the last CR LF is left
    with pytest.raises(FrameError):
        parse_host_status([b"1,2,3", b"x", b"y"])


# --- printing -------------------------------------------------------------------------


def test_print_encodes_the_tag_and_reads_it_back(sim: PrinterSimulator) -> None:
    seen: list[SimulatedTag] = []
    sim.on_tag.append(seen.append)
    printer = _printer(sim)
    assert printer.status().ready
    content = LabelContent.sample()
    job = render_job(printer, content)
    receipt = printer.send(job)
    assert receipt.tag_epc == EPC
    assert [t.epc for t in sim.tags] == [EPC] and seen == sim.tags
    (sjob,) = sim.jobs
    assert sjob.state == "printed" and sjob.font_problems == [] and sjob.voided_labels == 0
    assert sjob.parsed.barcode("code128").data == "JM-2026-000123"  # type: ignore[union-attr]
    assert "机密★10年" in [t.text for t in sjob.parsed.texts]
    # the lead's read-back: the job's barcode and the simulator's tag
    assert sjob.job_bytes().startswith(b"~DYR:")
    confirm_label(
        sjob.job_bytes(), serial=content.serial, intended_epc=EPC, tag_epc=sim.tags[0].epc
    )


def test_several_jobs_on_one_connection(sim: PrinterSimulator) -> None:
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(_job("JM-1", EPC) + _job("JM-2", "3414257BF40000000000007B") + b"~HS")
        got = b""
        while got.count(b"\x03\r\n") < 3:
            got += s.recv(4096)
    assert [j.state for j in sim.jobs] == ["printed", "printed"]
    assert [t.epc for t in sim.tags] == [EPC, "3414257BF40000000000007B"]
    assert got.startswith(b"EPC[" + EPC.encode() + b"]\r\nEPC[3414257BF40000000000007B]\r\n")
    assert all(not j.font_problems for j in sim.jobs)


def test_job_trickled_byte_by_byte_prints(sim: PrinterSimulator) -> None:
    job = _job()
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        for i in range(0, len(job), 97):
            s.sendall(job[i : i + 97])
        assert sim.wait_for(lambda: len(sim.tags) == 1, timeout=5)


def test_garbage_does_not_stop_the_simulator(sim: PrinterSimulator) -> None:
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(b"\x00\xff^XA^FO,,^BC^FD^XZ~ZZ junk \r\n^XA^XZ")
    receipt = _printer(sim).send(render_job(_printer(sim), LabelContent.sample()))
    assert receipt.tag_epc == EPC


# --- faults ---------------------------------------------------------------------------


def test_paper_out_is_refused_before_sending(sim: PrinterSimulator) -> None:
    sim.set_paper_out()
    printer = _printer(sim)
    assert printer.status().problems == ("paper_out",)
    with pytest.raises(PrinterFault) as info:
        printer.send(render_job(printer, LabelContent.sample()))
    assert info.value.conditions == ["paper_out"]
    assert "paper" in str(info.value) and "缺纸" in info.value.zh
    assert sim.jobs == [] and sim.tags == []


@pytest.mark.parametrize(
    ("fault", "condition", "zh"),
    [
        ("set_head_open", "head_up", "打印头未合上"),
        ("set_ribbon_out", "ribbon_out", "碳带用完"),
        ("pause", "paused", "暂停"),
    ],
)
def test_other_faults_are_clear_errors(
    sim: PrinterSimulator, fault: str, condition: str, zh: str
) -> None:
    getattr(sim, fault)()
    printer = _printer(sim)
    with pytest.raises(PrinterFault) as info:
        printer.send(render_job(printer, LabelContent.sample()))
    assert info.value.conditions == [condition] and zh in info.value.zh


def test_rfid_encode_failure_voids_and_stops(sim: PrinterSimulator) -> None:
    sim.fail_rfid()
    printer = _printer(sim)
    with pytest.raises(RfidEncodeError) as info:
        printer.send(render_job(printer, LabelContent.sample()))
    assert "RFID" in str(info.value) and "写入失败" in info.value.zh
    (job,) = sim.jobs
    assert (job.state, job.voided_labels, job.tag_epc) == ("rfid_failed", 3, None)
    assert sim.tags == []
    status = sim.status()
    assert status.paused and status.formats_in_buffer == 1
    # The operator fixes the tag stock and resumes: the queued label prints.
    sim.fail_rfid(0)
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(b"~PS")
        assert sim.wait_for(lambda: len(sim.tags) == 1)
    assert job.state == "printed" and not sim.status().paused


def test_rfid_failure_with_drop_action(sim: PrinterSimulator) -> None:
    sim.fail_rfid(1)
    job = _job().replace(b"^RS8,,,3,E", b"^RS8,,,2,N")
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(job)
        assert sim.wait_for(lambda: len(sim.jobs) == 1)
    assert sim.jobs[0].state == "dropped" and sim.jobs[0].voided_labels == 2
    assert not sim.status().paused


def test_wrong_epc_on_the_tag_is_caught(sim: PrinterSimulator) -> None:
    sim.write_wrong_epc("3414257BF40000000000007B")
    printer = _printer(sim)
    with pytest.raises(RfidEncodeError, match="holds EPC 3414257BF40000000000007B"):
        printer.send(render_job(printer, LabelContent.sample()))


def test_silent_link_os_printer_is_reported(sim: PrinterSimulator) -> None:
    sim.silent_when_faulted = True
    sim.set_head_open()
    with pytest.raises(PrinterNotResponding) as info:
        _printer(sim, timeout=0.3).send(render_job(_printer(sim), LabelContent.sample()))
    assert "head open" in str(info.value) and "打印头" in info.value.zh


def test_job_waits_while_paper_is_out_and_prints_when_loaded(sim: PrinterSimulator) -> None:
    sim.set_paper_out()
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(_job())
        assert sim.wait_for(lambda: len(sim.jobs) == 1)
        assert sim.status().formats_in_buffer == 1 and sim.tags == []
        sim.set_paper_out(False)
        assert sim.wait_for(lambda: len(sim.tags) == 1)
        assert s.recv(100) == b"EPC[" + EPC.encode() + b"]\r\n"


def test_cancel_all_clears_the_queue(sim: PrinterSimulator) -> None:
    sim.pause()
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(_job() + b"~JA")
        assert sim.wait_for(lambda: len(sim.controls) == 1)
    assert sim.jobs[0].state == "cancelled" and sim.status().formats_in_buffer == 0


def test_missing_font_download_is_recorded(sim: PrinterSimulator) -> None:
    job = _job()
    with socket.create_connection((sim.host, sim.port), timeout=2) as s:
        s.sendall(job[job.index(b"^XA") :])
        assert sim.wait_for(lambda: len(sim.jobs) == 1)
    assert any("not downloaded" in p for p in sim.jobs[0].font_problems)


def test_stop_closes_the_port() -> None:
    sim = PrinterSimulator().start()
    port = sim.port
    assert open_printer(sim.url).status().ready
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 3
    with pytest.raises(DeviceUnavailable):
        open_printer(f"tcp://127.0.0.1:{port}").status()
