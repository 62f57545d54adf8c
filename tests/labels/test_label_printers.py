"""Printers chosen by URL; the file printer; CUPS through lp."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from labels import LabelContent, open_printer, render_job
from labels.printers import CupsPrinter, FilePrinter, PrintJob, TcpZplPrinter
from tracker.domain.errors import ConfigError, DeviceUnavailable, PrinterError


def test_urls_choose_the_printer(tmp_path: Path) -> None:
    f = open_printer(f"file://{tmp_path}/out?format=zpl&dpmm=12")
    assert isinstance(f, FilePrinter) and f.kind == "zpl" and f.dpmm == 12
    assert isinstance(open_printer(f"file://{tmp_path}"), FilePrinter)
    t = open_printer("tcp://10.1.2.3")
    assert isinstance(t, TcpZplPrinter) and (t.host, t.port, t.kind) == ("10.1.2.3", 9100, "zpl")
    assert open_printer("tcp://printer.local:6101").port == 6101  # type: ignore[union-attr]
    c = open_printer("cups://Office_A4")
    assert isinstance(c, CupsPrinter) and c.kind == "pdf" and c.queue == "Office_A4"


@pytest.mark.parametrize(
    "url", ["lpt://x", "tcp://", "cups://", "file://", "file:///tmp?format=doc", "cups://a b"]
)
def test_bad_printer_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        open_printer(url)


def test_file_printer_writes_each_job(tmp_path: Path) -> None:
    printer = open_printer(f"file://{tmp_path}/spool?format=pdf")
    assert printer.status().ready
    content = LabelContent.sample()
    first = printer.send(render_job(printer, content))
    second = printer.send(render_job(printer, content))
    assert first.location and second.location and first.location != second.location
    data = Path(first.location).read_bytes()
    assert data.startswith(b"%PDF") and first.location.endswith("JM-2026-000123.pdf")
    assert sorted(p.name for p in (tmp_path / "spool").iterdir() if p.name.startswith(".")) == []


def test_printer_refuses_the_wrong_kind_of_job(tmp_path: Path) -> None:
    printer = open_printer(f"file://{tmp_path}?format=zpl")
    with pytest.raises(PrinterError, match="takes zpl jobs, not pdf"):
        printer.send(PrintJob(b"%PDF-1.4", "pdf", "x"))


def test_file_printer_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    printer = FilePrinter(blocker / "sub")
    assert not printer.status().ready
    with pytest.raises(PrinterError, match="cannot write"):
        printer.send(PrintJob(b"%PDF", "pdf"))


def _fake_lp(folder: Path, body: str) -> None:
    # CUPS cannot run in the test sandbox; a stand-in `lp` on PATH checks the command
    # line we build and lets us produce lp's failure output.
    script = folder / "lp"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_cups_missing_lp_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrinterError, match="cups-client") as info:
        CupsPrinter("Office").send(PrintJob(b"%PDF", "pdf", "JM-1"))
    assert "cups-client" in info.value.zh


def test_cups_sends_the_pdf_with_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "args"
    _fake_lp(
        tmp_path,
        f'echo "$@" > {log}\ncp "$5" {tmp_path}/sent.pdf\n'
        'echo "request id is Office-42 (1 file(s))"\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    receipt = CupsPrinter("Office").send(PrintJob(b"%PDF-1.7 label", "pdf", "JM-1"))
    assert receipt.location == "Office-42"
    assert log.read_text().split()[:4] == ["-d", "Office", "-t", "JM-1"]
    assert (tmp_path / "sent.pdf").read_bytes() == b"%PDF-1.7 label"


def test_cups_scheduler_down_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_lp(tmp_path, 'echo "lp: Error - Scheduler is not running." >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DeviceUnavailable, match="Scheduler is not running"):
        CupsPrinter("Office").send(PrintJob(b"%PDF", "pdf", "JM-1"))
    _fake_lp(tmp_path, 'echo "lp: The printer or class does not exist." >&2\nexit 1\n')
    with pytest.raises(PrinterError, match="does not exist"):
        CupsPrinter("Office").send(PrintJob(b"%PDF", "pdf", "JM-1"))


def test_tcp_connection_refused_is_device_unavailable() -> None:
    import socket

    with socket.socket() as s:  # find a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    printer = open_printer(f"tcp://127.0.0.1:{port}")
    with pytest.raises(DeviceUnavailable) as info:
        printer.status()
    assert "无法连接打印机" in info.value.zh
    with pytest.raises(DeviceUnavailable):
        printer.send(render_job(printer, LabelContent.sample()))
