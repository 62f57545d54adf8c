"""``tracker label render SERIAL`` and ``tracker label print SERIAL`` against the register
and the printer simulator."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

from simulators.printer import PrinterSimulator
from tests.cli.test_cli_core import EXAMPLE, tracker

__all__ = ["tracker"]


def setup_site(tracker, tmp_path: Path, port: int) -> str:  # type: ignore[no-untyped-def]
    site = tmp_path / "site.toml"
    site.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("127.0.0.1:9100", f"127.0.0.1:{port}"),
        encoding="utf-8",
    )
    tracker("site", "load", str(site))
    tracker(
        "person", "add", "carol", "--name", "王机要", "--clearance", "core", "--role", "custodian"
    )
    out = tracker(
        "carrier",
        "receive",
        "--as",
        "carol",
        "--from",
        "某部",
        "--title",
        "方案",
        "--level",
        "secret",
        "--period",
        "10y",
        "--classified-on",
        "2026-11-01",
        "--authority",
        "某部办公厅",
        "--home-room",
        "secure",
    )
    return out.stdout.split()[0]


def test_render_then_print_and_confirm(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim = PrinterSimulator().start()
    try:
        serial = setup_site(tracker, tmp_path, sim.port)
        png = tmp_path / "l.png"
        tracker("label", "render", serial, "--format", "png", "-o", str(png))
        texts = {r.text for r in zxingcpp.read_barcodes(Image.open(png))}
        assert serial in texts
        out = tracker("label", "print", serial, "--as", "carol")
        assert "confirmed" in out.stdout and serial in out.stdout
        assert len(sim.tags) == 1
        shown = tracker("carrier", "show", serial, "--json")
        assert '"labelled": true' in shown.stdout
    finally:
        sim.stop()


def test_print_with_the_printer_out_of_paper_fails_clearly(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim = PrinterSimulator().start()
    try:
        serial = setup_site(tracker, tmp_path, sim.port)
        sim.set_paper_out()
        res = tracker("label", "print", serial, "--as", "carol", ok=False)
        assert res.returncode == 2 and "paper" in res.stderr.lower()
        assert '"labelled": false' in tracker("carrier", "show", serial, "--json").stdout
    finally:
        sim.stop()
