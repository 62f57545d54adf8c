"""What goes on a carrier's label, independent of how it is rendered.

The title (名称或主要内容) is deliberately absent: a label is seen by anyone who sees
the carrier, while the title is need-to-know (SPEC R3). Only the marking, serial,
copy number, issuing authority, date received and the EPC written to the tag are here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from tracker.domain.errors import LabelError
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.domain.period import Marking, SecrecyPeriod

logger = logging.getLogger(__name__)

DEFAULT_SIZE_MM = (60.0, 30.0)

# Captions per language; the marking itself comes from the domain.
CAPTIONS = {
    "zh": {
        "serial": "编号",
        "copy": "份号",
        "authority": "制发机关",
        "received": "收到日期",
        "epc": "EPC",
        "reprint": "补打",
    },
    "en": {
        "serial": "No.",
        "copy": "Copy",
        "authority": "Issuer",
        "received": "Received",
        "epc": "EPC",
        "reprint": "REPRINT",
    },
}

# A serial goes into Code128 and DataMatrix and into ZPL fields: printable ASCII only,
# and never ZPL's command prefixes ^ and ~.
_SERIAL_RE = re.compile(r"[\x21-\x7E]+")


@dataclass(frozen=True)
class LabelContent:
    """The facts printed on one label."""

    serial: str
    marking_zh: str
    marking_en: str
    issuing_authority: str
    received_on: date
    copy_number: int | None = None
    total_copies: int | None = None
    epc: str | None = None
    reprint: bool = False
    reprint_count: int = 0
    lang: str = "zh"
    size_mm: tuple[float, float] = field(default=DEFAULT_SIZE_MM)

    def __post_init__(self) -> None:
        if self.lang not in CAPTIONS:
            raise LabelError(
                f"label language must be zh or en, got {self.lang!r}",
                zh=f"标签语言应为 zh 或 en，实际为 {self.lang!r}",
            )
        if not _SERIAL_RE.fullmatch(self.serial) or "^" in self.serial or "~" in self.serial:
            raise LabelError(
                f"serial {self.serial!r} cannot go into a barcode: use printable ASCII "
                "without spaces, '^' or '~'",
                zh=f"编号 {self.serial!r} 无法编入条码："
                "只能使用可打印 ASCII 字符（不含空格、^、~）",
            )
        if self.epc is not None and not re.fullmatch(r"[0-9A-F]+", self.epc):
            raise LabelError(
                f"EPC must be upper-case hex, got {self.epc!r}",
                zh=f"EPC 应为大写十六进制，实际为 {self.epc!r}",
            )
        w, h = self.size_mm
        if not (30 <= w <= 200 and 15 <= h <= 150):
            raise LabelError(
                f"label size {w}x{h} mm is outside 30-200 x 15-150 mm",
                zh=f"标签尺寸 {w}x{h} 毫米超出范围（30-200 x 15-150 毫米）",
            )
        if self.reprint_count < 0 or (self.reprint and self.reprint_count == 0):
            raise LabelError(
                "a reprint needs a reprint count of at least 1",
                zh="补打标签的补打次数至少为 1",
            )

    @classmethod
    def from_carrier(
        cls,
        carrier: Carrier,
        *,
        reprint: bool = False,
        reprint_count: int | None = None,
        lang: str = "zh",
        size: tuple[float, float] = DEFAULT_SIZE_MM,
    ) -> LabelContent:
        """The label of ``carrier`` (its title is never taken)."""
        marking = carrier.marking
        return cls(
            serial=carrier.serial,
            marking_zh=marking.zh(),
            marking_en=marking.en(),
            issuing_authority=carrier.issuing_authority,
            received_on=carrier.received_on,
            copy_number=carrier.copy_number,
            total_copies=carrier.total_copies,
            epc=carrier.epc.upper() if carrier.epc else None,
            reprint=reprint,
            reprint_count=(reprint_count if reprint_count is not None else int(reprint)),
            lang=lang,
            size_mm=(float(size[0]), float(size[1])),
        )

    @classmethod
    def sample(
        cls,
        *,
        serial: str = "JM-2026-000123",
        level: Level = Level.SECRET,
        period: SecrecyPeriod | None = None,
        issuing_authority: str = "国家保密局",
        received_on: date | None = None,
        copy_number: int | None = 3,
        total_copies: int | None = 5,
        epc: str | None = "3414257BF400000000BC6038",
        reprint: bool = False,
        lang: str = "zh",
        size: tuple[float, float] = DEFAULT_SIZE_MM,
    ) -> LabelContent:
        """A label built from loose values (sample prints, benchmarks, tests)."""
        marking = Marking(level, period if period is not None else SecrecyPeriod.years(10))
        return cls(
            serial=serial,
            marking_zh=marking.zh(),
            marking_en=marking.en(),
            issuing_authority=issuing_authority,
            received_on=received_on or date(2026, 3, 2),
            copy_number=copy_number,
            total_copies=total_copies,
            epc=epc,
            reprint=reprint,
            reprint_count=int(reprint),
            lang=lang,
            size_mm=size,
        )

    @property
    def marking(self) -> str:
        """The marking in the label's language (``机密★10年`` / ``SECRET★10Y``)."""
        return self.marking_zh if self.lang == "zh" else self.marking_en

    def caption(self, key: str) -> str:
        """A caption such as ``编号`` in the label's language."""
        return CAPTIONS[self.lang][key]

    @property
    def reprint_text(self) -> str:
        """``补打`` / ``REPRINT`` (with the count from the second reprint on), or ``""``."""
        if not self.reprint:
            return ""
        word = self.caption("reprint")
        return word if self.reprint_count <= 1 else f"{word}#{self.reprint_count}"

    def info_lines(self) -> list[tuple[str, str, str]]:
        """The small text lines as ``(field, caption, value)``, in print order."""
        lines = [("serial", self.caption("serial"), self.serial)]
        if self.copy_number is not None:
            copies = (
                f"{self.copy_number}/{self.total_copies}"
                if self.total_copies
                else (f"{self.copy_number}")
            )
            lines.append(("copy", self.caption("copy"), copies))
        if self.issuing_authority:
            lines.append(("authority", self.caption("authority"), self.issuing_authority))
        lines.append(("received", self.caption("received"), self.received_on.isoformat()))
        return lines

    def printed_texts(self) -> dict[str, str]:
        """Every human-readable text on the label by field (for glyph checks and ZPL)."""
        texts = {"marking": self.marking}
        for name, caption, value in self.info_lines():
            texts[name] = f"{caption} {value}"
        if self.epc:
            texts["epc"] = f"{self.caption('epc')} {self.epc}"
        if self.reprint:
            texts["reprint"] = self.reprint_text
        return texts
