"""``tracker label``: sample labels and test prints that need no database.

For installers: ``render-sample`` proves the CJK font and the renderers work,
``test-print`` proves a printer is reachable and (for ZPL RFID printers) that it
encodes tags, ``font`` shows which font was chosen.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from labels.content import LabelContent
from labels.fonts import BASE_CHARS, find_cjk_font
from labels.printers import open_printer, render_job
from labels.readback import confirm_label
from labels.render_pdf import render_pdf
from labels.render_png import render_png
from labels.render_zpl import render_zpl
from tracker.bootstrap import App
from tracker.domain import epc as epc_codec
from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.domain.period import Marking, SecrecyPeriod

logger = logging.getLogger(__name__)

app = typer.Typer(help="Render and test-print carrier labels.", no_args_is_help=True)


def _zh() -> bool:
    return not os.environ.get("TRACKER_LANG", "zh").startswith("en")


def _size(text: str) -> tuple[float, float]:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*", text)
    if not m:
        raise InvalidInput(
            "size",
            f"write the size as WxH in mm, e.g. 60x30, not {text!r}",
            zh=f"尺寸应写成 宽x高（毫米），如 60x30，而不是 {text!r}",
        )
    return float(m.group(1)), float(m.group(2))


def _sample(
    serial: str,
    level: str,
    period: str,
    copy: int | None,
    copies: int | None,
    authority: str,
    received: str | None,
    epc_hex: str | None,
    prefix: str | None,
    ref: str | None,
    lang: str,
    reprint: bool,
    size: str,
) -> LabelContent:
    lv = Level.parse(level)
    per = SecrecyPeriod.parse(period) if lv.classified else SecrecyPeriod.none()
    Marking(lv, per).validated()
    if epc_hex is None and prefix and ref:
        epc_hex = epc_codec.encode(prefix, ref).hex()
    elif epc_hex is not None:
        epc_hex = epc_codec.decode(epc_hex).hex()  # refuse anything not a valid GIAI
    try:
        day = date.fromisoformat(received) if received else date.today()
    except ValueError as exc:
        raise InvalidInput(
            "received",
            f"not a date: {received!r} (YYYY-MM-DD)",
            zh=f"日期格式错误：{received!r}（应为 YYYY-MM-DD）",
        ) from exc
    return LabelContent.sample(
        serial=serial,
        level=lv,
        period=per,
        issuing_authority=authority,
        received_on=day,
        copy_number=copy,
        total_copies=copies,
        epc=epc_hex,
        reprint=reprint,
        lang=lang,
        size=_size(size),
    )


Serial = Annotated[str, typer.Option(help="serial number printed and barcoded")]
LevelOpt = Annotated[str, typer.Option(help="top_secret / secret / confidential / internal")]
PeriodOpt = Annotated[str, typer.Option(help="10y, 6m, long, until:<condition>")]
Lang = Annotated[str, typer.Option(help="label language: zh or en")]
Size = Annotated[str, typer.Option(help="label size in mm, WxH")]


@app.command("render-sample")
def render_sample(
    fmt: Annotated[str, typer.Option("--format", "-f", help="png, pdf or zpl")],
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
    serial: Serial = "JM-2026-000123",
    level: LevelOpt = "secret",
    period: PeriodOpt = "10y",
    copy: Annotated[int | None, typer.Option(help="copy number")] = 1,
    copies: Annotated[int | None, typer.Option(help="total copies")] = 1,
    authority: Annotated[str, typer.Option(help="issuing authority")] = "国家保密局",
    received: Annotated[str | None, typer.Option(help="date received, YYYY-MM-DD")] = None,
    epc: Annotated[str | None, typer.Option(help="EPC hex (GIAI-96/202)")] = None,
    prefix: Annotated[str | None, typer.Option(help="GS1 company prefix for the EPC")] = None,
    ref: Annotated[str | None, typer.Option(help="asset reference for the EPC")] = None,
    lang: Lang = "zh",
    reprint: Annotated[bool, typer.Option(help="mark the label as a reprint")] = False,
    size: Size = "60x30",
    sheet: Annotated[str, typer.Option(help="PDF only: label or a4")] = "label",
    count: Annotated[int, typer.Option(min=1, max=5000, help="PDF only: labels")] = 1,
    dpmm: Annotated[int, typer.Option(help="ZPL only: printer dots per mm (8 or 12)")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Write a sample label without the database (checks fonts and renderers)."""
    content = _sample(
        serial,
        level,
        period,
        copy,
        copies,
        authority,
        received,
        epc,
        prefix,
        ref,
        lang,
        reprint,
        size,
    )
    if fmt == "png":
        data = render_png(content)
    elif fmt == "pdf":
        data = render_pdf([content] * count, sheet=sheet)
    elif fmt == "zpl":
        data = render_zpl(content, dpmm)
    else:
        raise InvalidInput(
            "format",
            f"must be png, pdf or zpl, not {fmt!r}",
            zh=f"格式应为 png、pdf 或 zpl，而不是 {fmt!r}",
        )
    output.write_bytes(data)
    font = find_cjk_font()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "file": str(output),
                    "format": fmt,
                    "bytes": len(data),
                    "serial": content.serial,
                    "epc": content.epc,
                    "font": font.path,
                },
                ensure_ascii=False,
            )
        )
    elif _zh():
        typer.echo(f"已写入 {output}（{fmt}，{len(data)} 字节，字体 {font.family}）")
    else:
        typer.echo(f"wrote {output} ({fmt}, {len(data)} bytes, font {font.family})")


@app.command("test-print")
def test_print(
    printer: Annotated[str, typer.Option(help="file:///dir, tcp://host:9100 or cups://QUEUE")],
    serial: Serial = "TEST-000001",
    lang: Lang = "zh",
    size: Size = "60x30",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print a sample label on PRINTER; for RFID printers confirm the tag read-back."""
    dev = open_printer(printer)
    status = dev.status()
    content = _sample(
        serial, "secret", "10y", 1, 1, "测试", None, None, "0614141", "1", lang, False, size
    )
    job = render_job(dev, content)
    receipt = dev.send(job)
    confirmed = None
    if receipt.tag_epc is not None:
        confirmed = confirm_label(
            job.data, serial=content.serial, intended_epc=content.epc, tag_epc=receipt.tag_epc
        )
    result = {
        "printer": dev.url,
        "ready_before": status.ready,
        "status": status.detail,
        "serial": content.serial,
        "tag_epc": receipt.tag_epc,
        "location": receipt.location,
        "confirmed": confirmed is not None,
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    elif _zh():
        tag = f"，标签 EPC {receipt.tag_epc} 已回读确认" if confirmed else ""
        where = f"，输出 {receipt.location}" if receipt.location else ""
        typer.echo(f"测试标签 {content.serial} 已发送到 {dev.url}{where}{tag}")
    else:
        tag = f", tag EPC {receipt.tag_epc} read back and confirmed" if confirmed else ""
        where = f", output {receipt.location}" if receipt.location else ""
        typer.echo(f"test label {content.serial} sent to {dev.url}{where}{tag}")


@app.command("font")
def font(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Show the CJK font labels use (found through fontconfig)."""
    f = find_cjk_font()
    info = {
        "family": f.family,
        "path": f.path,
        "index": f.index,
        "glyphs": len(f.codepoints),
        "label_characters": len(BASE_CHARS),
    }
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False))
    else:
        typer.echo(f"{f.family}: {f.path} (face {f.index}, {len(f.codepoints)} glyphs)")


def _carrier(serial: str) -> tuple[App, Carrier]:
    from tracker.cli.common import app as build_app

    wired = build_app()
    with wired.services.read() as uow:
        c = uow.carriers.get(serial)
    if c is None:
        raise InvalidInput("serial", f"no carrier {serial!r}", zh=f"没有载体 {serial!r}")
    return wired, c


@app.command("render")
def render(
    serial: Annotated[str, typer.Argument(help="The carrier's serial number.")],
    fmt: Annotated[str, typer.Option("--format", help="png | pdf | zpl")] = "pdf",
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")] = Path(
        "label.pdf"
    ),
    lang: Lang = "zh",
) -> None:
    """Render SERIAL's label from the register (nothing is printed or recorded)."""
    wired, c = _carrier(serial)
    labels_cfg = wired.services.site.labels
    content = LabelContent.from_carrier(
        c, lang=lang, size=(labels_cfg.width_mm, labels_cfg.height_mm)
    )
    if fmt == "png":
        data = render_png(content)
    elif fmt == "zpl":
        data = render_zpl(content)
    elif fmt == "pdf":
        data = render_pdf([content])
    else:
        raise InvalidInput(
            "format", f"{fmt!r} is not png, pdf or zpl", zh="格式应为 png、pdf 或 zpl"
        )
    output.write_bytes(data)
    typer.echo(str(output))


@app.command("print")
def print_label(
    serial: Annotated[str, typer.Argument(help="The carrier's serial number.")],
    actor: Annotated[str, typer.Option("--as", help="The custodian printing it.")],
    printer: Annotated[str | None, typer.Option(help="Printer id from the site file.")] = None,
    reader: Annotated[
        str | None,
        typer.Option(help="Desk RFID reader URL, for printers that cannot read tags back."),
    ] = None,
    lang: Lang = "zh",
) -> None:
    """Print SERIAL's label, read it back (barcode and tag), and record it."""
    from drivers.desk import read_desk_tag
    from labels.station import LabelStation
    from tracker.config import printer_for
    from tracker.services.labelling import label

    wired, c = _carrier(serial)
    site = wired.services.site
    wanted = printer or site.labels.printer
    cfg = printer_for(site, wanted)
    if cfg is None:
        raise InvalidInput(
            "printer",
            f"no printer {wanted!r} in the site file",
            zh=f"站点文件中没有打印机 {wanted!r}",
        )
    tag_reader = (lambda _s: read_desk_tag(reader, want=c.epc)) if reader else None
    station = LabelStation(
        cfg.id,
        cfg.url,
        size=(site.labels.width_mm, site.labels.height_mm),
        lang=lang,
        tag_reader=tag_reader,
    )
    result = label(wired.services, actor, serial, station)
    if _zh():
        typer.echo(f"{serial}: 标签已打印并回读确认（条码 {result.barcode}，EPC {result.tag_epc}）")
    else:
        typer.echo(
            f"{serial}: label printed and confirmed "
            f"(barcode {result.barcode}, EPC {result.tag_epc})"
        )
