"""ZPL II for Zebra thermal RFID printers.

One job = a ``~DY`` download of a TrueType font subset to the printer's RAM (``R:``),
holding exactly the characters this label prints, followed by the label format
``^XA … ^XZ``:

* ``^CI28`` — field data is UTF-8;
* ``^RS8,,,3,E`` — Gen2 tags, try 3 labels, then stop in error mode (a failed encode
  prints VOID and must not pass silently);
* ``^RFW,H,,,A^FD<EPC hex>^FS`` — write the EPC bank, adjusting the PC length bits;
* ``^FN1^RFR,H^FS`` + ``^HV1,…`` — read the tag back and return ``EPC[<hex>]`` to the
  host, so the sender learns which EPC really went onto the tag;
* text with ``^A@`` in the downloaded font, positioned on its baseline with ``^FT``;
* ``^BC`` Code128 and ``^BX`` DataMatrix (ECC 200) of the serial.
"""

from __future__ import annotations

import hashlib
import io
import logging

from fontTools.ttLib import TTFont

from labels.content import LabelContent
from labels.fonts import FontFile, subset_ttf, working_font
from labels.layout import Layout, layout
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)

DEFAULT_DPMM = 8  # 203 dpi, the common desktop RFID printer; 12 for 300 dpi heads
HV_FIELD = 1


def font_subset(font: FontFile, chars: str) -> bytes:
    """A TrueType font holding exactly the glyphs of ``chars`` (plus .notdef)."""
    wanted = "".join(sorted(frozenset(ch for ch in chars if not ch.isspace()) | {" "}))
    with TTFont(io.BytesIO(working_font(font, wanted))) as working:
        return subset_ttf(working, wanted)


def font_name(data: bytes) -> str:
    """Printer file name of a subset: 8 characters derived from its content."""
    return "L" + hashlib.sha1(data).hexdigest()[:7].upper()


def escape_field(text: str) -> str:
    """Escape ZPL's own characters for a ``^FH_`` field (``_`` ``^`` ``~``)."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _dots(mm: float, dpmm: int) -> int:
    return round(mm * dpmm)


def format_label(lay: Layout, content: LabelContent, font_file: str, dpmm: int) -> str:
    """The ``^XA … ^XZ`` label format for a laid-out label."""
    out = [
        "^XA",
        "^CI28",
        f"^PW{_dots(lay.width, dpmm)}",
        f"^LL{_dots(lay.height, dpmm)}",
        "^LH0,0",
    ]
    if content.epc:
        nbytes = len(content.epc) // 2
        out += [
            "^RS8,,,3,E",
            f"^RFW,H,,,A^FD{content.epc}^FS",
            f"^FN{HV_FIELD}^RFR,H^FS",
            f"^FH_^HV{HV_FIELD},{2 * nbytes},EPC[,]_0D_0A,L^FS",
        ]
    for t in lay.texts:
        h = max(10, _dots(t.size, dpmm))
        if t.inverted:
            pad = _dots(t.pad, dpmm)
            bw, bh = _dots(t.width, dpmm) + 2 * pad, _dots(t.size, dpmm) + 2 * pad
            out.append(
                f"^FO{_dots(t.x, dpmm) - pad},{_dots(t.top, dpmm) - pad}^GB{bw},{bh},{bh},B^FS"
            )
        reverse = "^FR" if t.inverted else ""
        out.append(
            f"^FT{_dots(t.x, dpmm)},{_dots(t.baseline, dpmm)}^A@N,{h},{h},{font_file}"
            f"{reverse}^FH_^FD{escape_field(t.text)}^FS"
        )
    code = lay.code128
    module = max(1, round(code.module * dpmm))
    out.append(
        f"^FO{_dots(code.x, dpmm)},{_dots(code.y, dpmm)}^BY{module}"
        f"^BCN,{_dots(code.height, dpmm)},N,N,N,A^FD{code.data}^FS"
    )
    dm = lay.datamatrix
    n = len(dm.rows)
    out.append(
        f"^FO{_dots(dm.x, dpmm)},{_dots(dm.y, dpmm)}"
        f"^BXN,{max(1, round(dm.module * dpmm))},200,{n},{n}^FD{dm.data}^FS"
    )
    out += ["^PQ1", "^XZ"]
    return "\n".join(out) + "\n"


def render_zpl(content: LabelContent, dpmm: int = DEFAULT_DPMM) -> bytes:
    """One ZPL job for ``content``: the ``~DY`` font download, then the label format."""
    if dpmm not in (6, 8, 12, 24):
        raise LabelError(
            f"printer resolution must be 6, 8, 12 or 24 dots/mm, got {dpmm}",
            zh=f"打印机分辨率应为 6、8、12 或 24 点/毫米，实际 {dpmm}",
        )
    lay = layout(content, float(dpmm))
    chars = "".join(t.text for t in lay.texts)
    ttf = font_subset(lay.font, chars)
    name = font_name(ttf)
    download = f"~DYR:{name}.TTF,B,T,{len(ttf)},,".encode("ascii") + ttf + b"\n"
    fmt = format_label(lay, content, f"R:{name}.TTF", dpmm)
    return download + fmt.encode("utf-8")
