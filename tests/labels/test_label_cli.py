"""``tracker epc`` and ``tracker label`` commands (no database needed)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from labels.readback import rasterise_pdf
from labels.zpl import parse_format
from labels.zpl_preview import split_job
from simulators.printer import PrinterSimulator
from tests.labels.conftest import decode
from tracker.cli import epc as epc_cli
from tracker.cli import label as label_cli
from tracker.domain.errors import InvalidInput

runner = CliRunner()


def test_epc_encode_prints_upper_case_hex() -> None:
    r = runner.invoke(epc_cli.app, ["encode", "--prefix", "0614141", "--ref", "12345400"])
    assert r.exit_code == 0 and r.output.strip() == "3414257BF400000000BC6038"
    r = runner.invoke(
        epc_cli.app,
        ["encode", "--prefix", "0614141", "--ref", "123", "--filter", "0", "--scheme", "giai-96"],
    )
    assert r.output.strip() == "3414257BF40000000000007B"
    r = runner.invoke(
        epc_cli.app,
        ["encode", "--prefix", "0614141", "--ref", "AB-1", "--scheme", "giai-202", "--json"],
    )
    out = json.loads(r.output)
    assert len(out["hex"]) == 52 and out["tag_uri"] == "urn:epc:tag:giai-202:0.0614141.AB-1"


def test_epc_decode_prints_both_uris() -> None:
    r = runner.invoke(epc_cli.app, ["decode", "3414257BF400000000BC6038"])
    assert r.exit_code == 0
    assert r.output.splitlines() == [
        "urn:epc:tag:giai-96:0.0614141.12345400",
        "urn:epc:id:giai:0614141.12345400",
    ]


def test_epc_encode_refuses_a_leading_zero() -> None:
    r = runner.invoke(epc_cli.app, ["encode", "--prefix", "0614141", "--ref", "0123"])
    assert r.exit_code != 0 and isinstance(r.exception, InvalidInput)
    assert r.exception.field == "reference"


@pytest.mark.parametrize("fmt", ["png", "pdf", "zpl"])
def test_render_sample_writes_a_decodable_label(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"sample.{fmt}"
    r = runner.invoke(
        label_cli.app,
        [
            "render-sample",
            "--format",
            fmt,
            "-o",
            str(out),
            "--serial",
            "JM-2026-000777",
            "--level",
            "top_secret",
            "--period",
            "long",
            "--prefix",
            "0614141",
            "--ref",
            "777",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["epc"] == "3414257BF400000000000309"
    data = out.read_bytes()
    if fmt == "png":
        image = Image.open(io.BytesIO(data))
    elif fmt == "pdf":
        (image,) = rasterise_pdf(data)
    else:
        _, (f,) = split_job(data)
        parsed = parse_format(f)
        assert "绝密★长期" in [t.text for t in parsed.texts]
        assert parsed.rfid_writes == ["3414257BF400000000000309"]
        return
    assert decode(image)["DataMatrix"] == {"JM-2026-000777"}


def test_render_sample_a4_sheet(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    r = runner.invoke(
        label_cli.app,
        ["render-sample", "-f", "pdf", "-o", str(out), "--sheet", "a4", "--count", "30"],
    )
    assert r.exit_code == 0 and "已写入" in r.output
    assert len(rasterise_pdf(out.read_bytes(), dpi=50)) == 2


def test_render_sample_rejects_bad_values(tmp_path: Path) -> None:
    bad = [
        ["--level", "cosmic"],
        ["--period", "40y"],
        ["--size", "big"],
        ["--received", "yesterday"],
        ["--epc", "ZZ"],
    ]
    for extra in bad:
        r = runner.invoke(
            label_cli.app, ["render-sample", "-f", "png", "-o", str(tmp_path / "x.png"), *extra]
        )
        assert r.exit_code != 0, extra
        assert isinstance(r.exception, InvalidInput), extra


def test_test_print_to_a_folder(tmp_path: Path) -> None:
    r = runner.invoke(
        label_cli.app, ["test-print", "--printer", f"file://{tmp_path}?format=png", "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["location"].endswith(".png") and out["confirmed"] is False


def test_test_print_to_the_rfid_printer_simulator() -> None:
    with PrinterSimulator() as sim:
        r = runner.invoke(label_cli.app, ["test-print", "--printer", sim.url])
        assert r.exit_code == 0, r.output
        assert "已回读确认" in r.output
        assert [t.epc for t in sim.tags] == ["3414257BF400000000000001"]


def test_font_command() -> None:
    r = runner.invoke(label_cli.app, ["font", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["glyphs"] > 20000
