"""A PDF written page by page: each finished page goes to the output at once, so a
document of any length takes the same memory (a register of 100,000 rows is about
6,700 pages). What stays until the end is small: each object's offset, the pages'
object numbers, and the characters used.

Only what the registers draw: rectangles (outlined, optionally grey-filled) and lines
of text in one embedded CJK font. Text is shown by CID (Identity-H): each character
gets the next CID when first used; at the end the font is cut down to those characters
and embedded as TrueType (a font with CFF outlines is converted), with a CID-to-glyph
map, the widths and a ToUnicode map (so text can be searched and copied).

"Page x of y" needs y before it is known: every page draws a form XObject that holds
the total, and the XObject is written last.

Why not fpdf2 (which the labels and the statistics report use): it keeps every page
until it writes the document, about 1.7 KiB a register row (170 MiB for 100,000 rows).
Coordinates here are millimetres from the top-left corner, as in fpdf2.
"""

from __future__ import annotations

import io
import secrets
import string
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO

from fontTools.ttLib import TTFont, newTable

from labels.fonts import FontFile, subset_font

PT = 72 / 25.4  # points per millimetre
FONT, TOTAL = "/F1", "/Nb"


class PdfStream:
    """A PDF document streamed to ``out`` as its pages are finished."""

    def __init__(
        self, out: BinaryIO, font: FontFile, width: float, height: float, title: str
    ) -> None:
        self.out = out
        self.w, self.h = width, height
        self.font = _Font(font)
        self.title = title
        self.pos = 0
        self.offsets: dict[int, int] = {}
        self.next_id = 6  # 1 catalog, 2 page tree, 3 font, 4 page total, 5 information
        self.kids: list[int] = []
        self.ops: list[str] | None = None
        self.total_at: tuple[float, str] | None = None  # size and text after the number
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    # --- drawing -----------------------------------------------------------------------

    @property
    def page_no(self) -> int:
        """The number of the page being drawn (1 for the first)."""
        return len(self.kids) + (self.ops is not None)

    def begin_page(self) -> None:
        """Start a new page (finishing the one being drawn)."""
        if self.ops is not None:
            self.end_page()
        self.ops = ["0.2 w 0 G 0 g\n"]  # fpdf2's defaults: 0.2 mm lines, black

    def end_page(self) -> None:
        """Write the page being drawn to the output."""
        assert self.ops is not None, "no page is open"
        content = zlib.compress("".join(self.ops).encode("latin-1"), 6)
        self.ops = None
        stream = self._object(
            f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode()
            + content
            + b"\nendstream"
        )
        page = self._object(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {self.w * PT:.2f} {self.h * PT:.2f}]"
            f" /Resources << /Font << {FONT} 3 0 R >> /XObject << {TOTAL} 4 0 R >>"
            f" /ProcSet [/PDF /Text] >> /Contents {stream} 0 R >>".encode()
        )
        self.kids.append(page)

    def rect(self, x: float, y: float, w: float, h: float, grey: float | None = None) -> None:
        """A rectangle's outline, filled with ``grey`` (0 black … 1 white) if given."""
        assert self.ops is not None
        box = f"{x * PT:.2f} {(self.h - y - h) * PT:.2f} {w * PT:.2f} {h * PT:.2f} re"
        if grey is None:
            self.ops.append(f"{box} S\n")
        else:
            self.ops.append(f"{grey:.3f} g {box} B 0 g\n")

    def text(self, x: float, y: float, text: str, size: float) -> None:
        """``text`` with its baseline at ``y``, starting at ``x``."""
        assert self.ops is not None
        if text:
            self.ops.append(
                f"BT {FONT} {size:g} Tf {x * PT:.2f} {(self.h - y) * PT:.2f} Td "
                f"<{self.font.encode(text)}> Tj ET\n"
            )

    def page_total(self, x: float, y: float, size: float, after: str = "") -> None:
        """The number of pages of the document (then ``after``), written at the end."""
        assert self.ops is not None
        self.total_at = (size, after)
        self.ops.append(f"q 1 0 0 1 {x * PT:.2f} {(self.h - y) * PT:.2f} cm {TOTAL} Do Q\n")

    def width(self, text: str, size: float) -> float:
        """The width of ``text`` in mm at ``size`` points."""
        return self.font.units(text) * size / 1000 / PT

    def has(self, ch: str) -> bool:
        """True when the font has a glyph for ``ch``."""
        return ord(ch) in self.font.cmap

    # --- the end -----------------------------------------------------------------------

    def close(self) -> None:
        """Finish the last page and write the page total, the font, the page tree, the
        catalog and the cross-reference table."""
        if self.ops is not None:
            self.end_page()
        size, after = self.total_at or (8.0, "")
        total = self.font.encode(f"{len(self.kids)}{after}")  # before the font is cut
        body = zlib.compress(f"BT {FONT} {size:g} Tf 0 0 Td <{total}> Tj ET".encode(), 6)
        self._object(
            f"<< /Type /XObject /Subtype /Form /BBox [0 -{size:g} {size * 20:g} {size * 2:g}]"
            f" /Resources << /Font << {FONT} 3 0 R >> >> /Length {len(body)}"
            " /Filter /FlateDecode >>\nstream\n".encode()
            + body
            + b"\nendstream",
            4,
        )
        self.font.embed(self, 3)
        kids = " ".join(f"{k} 0 R" for k in self.kids)
        self._object(f"<< /Type /Pages /Kids [{kids}] /Count {len(self.kids)} >>".encode(), 2)
        self._object(b"<< /Type /Catalog /Pages 2 0 R >>", 1)
        made = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
        self._object(
            f"<< /Title <FEFF{_utf16(self.title)}> /Creator (carrier-tracker)"
            f" /Producer (carrier-tracker) /CreationDate ({made}) >>".encode(),
            5,
        )
        count = self.next_id
        xref = self.pos
        lines = [f"xref\n0 {count}\n0000000000 65535 f \n"]
        lines += [f"{self.offsets[i]:010d} 00000 n \n" for i in range(1, count)]
        lines.append(
            f"trailer\n<< /Size {count} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        self._write("".join(lines).encode())

    def _object(self, body: bytes, number: int | None = None) -> int:
        if number is None:
            number = self.next_id
            self.next_id += 1
        self.offsets[number] = self.pos
        self._write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
        return number

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)


class _Font:
    """The font as the document uses it: widths from its metrics, a CID for each
    character as first used, and at the end the embedded subset."""

    def __init__(self, font: FontFile) -> None:
        tt = TTFont(font.path, fontNumber=font.index, lazy=True)
        self.cmap: dict[int, str] = tt.getBestCmap() or {}
        self.hmtx = tt["hmtx"]
        self.scale = 1000 / tt["head"].unitsPerEm
        self.tt = tt
        self.cids: dict[str, str] = {}  # character -> 4 hex digits
        self.chars: list[str] = [""]  # by CID (0 is .notdef)
        self.widths: dict[str, float] = {}  # character -> 1/1000 em

    def units(self, text: str) -> float:
        """The advance of ``text`` in thousandths of an em."""
        widths = self.widths
        total = 0.0
        for ch in text:
            w = widths.get(ch)
            if w is None:
                w = widths[ch] = self._advance(ch)
            total += w
        return total

    def _advance(self, ch: str) -> float:
        name = self.cmap.get(ord(ch))
        if name is None:
            return 0.0
        return float(self.hmtx[name][0] * self.scale)

    def encode(self, text: str) -> str:
        """``text`` as hex CIDs (characters the font lacks must have been replaced)."""
        cids = self.cids
        out = []
        for ch in text:
            cid = cids.get(ch)
            if cid is None:
                cid = cids[ch] = f"{len(self.chars):04X}"
                self.chars.append(ch)
                self.units(ch)
            out.append(cid)
        return "".join(out)

    def embed(self, pdf: PdfStream, number: int) -> None:
        """Write the font objects: ``number`` is the Type0 font the pages refer to."""
        tt = self.tt
        hhea, head = tt["hhea"], tt["head"]
        os2 = tt.get("OS/2")
        ascent, descent = hhea.ascent * self.scale, hhea.descent * self.scale
        cap = getattr(os2, "sCapHeight", 0) * self.scale or ascent
        bbox = " ".join(
            f"{v * self.scale:.0f}" for v in (head.xMin, head.yMin, head.xMax, head.yMax)
        )
        tag = "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))
        ps_name = tt["name"].getDebugName(6) or "CJKFont"
        name = f"{tag}+" + "".join(ch for ch in ps_name if ch.isalnum() or ch in "-_")
        used = self.chars[1:]
        program, gids = _subset(tt, used)
        data = zlib.compress(program, 6)
        file2 = pdf._object(
            f"<< /Length {len(data)} /Length1 {len(program)} /Filter /FlateDecode >>\n"
            "stream\n".encode()
            + data
            + b"\nendstream"
        )
        descriptor = pdf._object(
            f"<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{bbox}]"
            f" /ItalicAngle 0 /Ascent {ascent:.0f} /Descent {descent:.0f}"
            f" /CapHeight {cap:.0f} /StemV 80 /FontFile2 {file2} 0 R >>".encode()
        )
        cid_map = zlib.compress(b"".join(g.to_bytes(2, "big") for g in [0, *gids]), 6)
        to_gid = pdf._object(
            f"<< /Length {len(cid_map)} /Filter /FlateDecode >>\nstream\n".encode()
            + cid_map
            + b"\nendstream"
        )
        widths = " ".join(f"{self.widths[ch]:.0f}" for ch in used)
        cid_font = pdf._object(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name}"
            " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            f" /FontDescriptor {descriptor} 0 R /DW 1000 /W [1 [{widths}]]"
            f" /CIDToGIDMap {to_gid} 0 R >>".encode()
        )
        cmap = zlib.compress(_to_unicode(self.chars).encode("ascii"), 6)
        unicode = pdf._object(
            f"<< /Length {len(cmap)} /Filter /FlateDecode >>\nstream\n".encode()
            + cmap
            + b"\nendstream"
        )
        pdf._object(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H"
            f" /DescendantFonts [{cid_font} 0 R] /ToUnicode {unicode} 0 R >>".encode(),
            number,
        )


def _subset(tt: Any, chars: Iterable[str]) -> tuple[bytes, list[int]]:
    """The font ``tt`` cut down (in place) to ``chars``, as TrueType bytes, and each
    character's glyph. The document's own lazily loaded font is cut: opening the file
    again would hold its tables twice."""
    wanted = list(chars)
    subset_font(tt, "".join(wanted))
    if "glyf" not in tt:
        _to_truetype(tt)
    cmap = tt.getBestCmap() or {}
    gids = [tt.getGlyphID(cmap[ord(ch)]) if ord(ch) in cmap else 0 for ch in wanted]
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue(), gids


def _to_truetype(tt: Any) -> None:
    """Replace the CFF outlines of ``tt`` (a small subset) by TrueType quadratic ones: a
    CIDFontType2 embeds TrueType, and PDF readers map its glyphs by index."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    glyphs = tt.getGlyphSet()
    order = tt.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    for table in ("CFF ", "CFF2", "VORG"):
        if table in tt:
            del tt[table]
    tt["glyf"] = glyf
    tt["loca"] = newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.numGlyphs = len(order)
    tt["maxp"] = maxp
    tt["head"].glyphDataFormat = 0
    tt["post"].formatType = 3.0  # no glyph names
    tt.sfntVersion = "\x00\x01\x00\x00"


def _to_unicode(chars: list[str]) -> str:
    """The ToUnicode CMap: each CID back to its character (for search and copy)."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    entries = [f"<{cid:04X}> <{_utf16(ch)}>" for cid, ch in enumerate(chars) if cid]
    for i in range(0, len(entries), 100):
        chunk = entries[i : i + 100]
        lines += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines)


def _utf16(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()
