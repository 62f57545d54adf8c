"""Reading ZPL back: a stream splitter (downloads, formats, control commands) and a
field parser for the subset of ZPL II our labels use.

Used by the printer simulator (on the bytes it receives) and by the read-back check
(on a job before or after it was sent), so both see a job the way a printer would.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)

MAX_PENDING = 16 * 1024 * 1024  # a format this long without ^XZ is garbage


@dataclass(frozen=True)
class Download:
    """A ``~DY`` object download (fonts, graphics)."""

    device: str
    name: str
    fmt: str
    ext: str
    data: bytes

    @property
    def path(self) -> str:
        """``R:NAME.TTF`` as used by ``^A@``."""
        name = self.name if "." in self.name else f"{self.name}.{_EXT.get(self.ext, 'GRF')}"
        return f"{self.device}:{name}".upper()


# Control commands that take no parameters and act at once.
_NO_PARAMS = frozenset({"HS", "JA", "PS", "HI", "HM", "HD", "JR", "WC"})

_EXT = {"T": "TTF", "E": "TTE", "G": "GRF", "P": "PNG", "B": "BMP", "X": "PCX"}


@dataclass(frozen=True)
class Control:
    """A ``~`` control command outside a format (``~HS``, ``~JA`` …)."""

    code: str
    params: str = ""


@dataclass(frozen=True)
class Format:
    """One ``^XA … ^XZ`` label format, raw bytes included."""

    raw: bytes


Item = Download | Control | Format


class ZplStream:
    """Splits a byte stream into downloads, control commands and label formats.

    Feed bytes as they arrive; a partial item waits for more bytes.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        # Progress on a partial item, so bytes trickling in are not rescanned each time.
        self._scanned = 0
        self._need = 0

    def _consume(self, n: int) -> None:
        del self._buf[:n]
        self._scanned = 0
        self._need = 0

    def feed(self, data: bytes) -> list[Item]:
        """Add received bytes; return every item now complete."""
        self._buf += data
        items: list[Item] = []
        while True:
            if self._need and len(self._buf) < self._need:
                break
            item, used = self._next()
            if used == 0:
                break
            self._consume(used)
            if item is not None:
                items.append(item)
        if len(self._buf) > MAX_PENDING:
            logger.warning("dropping %d bytes of unterminated ZPL", len(self._buf))
            self._consume(len(self._buf))
        return items

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of an item."""
        return len(self._buf)

    def _next(self) -> tuple[Item | None, int]:
        buf = self._buf
        if not buf:
            return None, 0
        start = _find_prefix(buf)
        if start < 0:
            return None, len(buf)  # no command anywhere: garbage or whitespace
        if start > 0:
            return None, start
        head = bytes(buf[:3]).upper()
        if head == b"~DY":
            return self._download()
        if head == b"^XA":
            end = buf.find(b"^XZ", max(3, self._scanned - 2))
            if end < 0:
                self._scanned = len(buf)
                return None, 0
            return Format(bytes(buf[: end + 3])), end + 3
        if len(buf) < 3:
            return None, 0
        if head[:1] == b"~":
            code = head[1:].decode("ascii", "replace")
            if code in _NO_PARAMS:
                return Control(code), 3
            ends = [i for i in (_find_prefix(buf, 1), buf.find(b"\n")) if i >= 0]
            if not ends:
                return None, 0
            end = min(ends)
            return Control(code, bytes(buf[3:end]).decode("ascii", "replace").strip()), end
        # A ^ command outside a format (e.g. a stray ^XZ): skip it.
        nxt = _find_prefix(buf, 1)
        return None, nxt if nxt > 0 else len(buf)

    def _download(self) -> tuple[Item | None, int]:
        buf = self._buf
        commas = [i for i, b in enumerate(buf[:4096]) if b == ord(",")][:5]
        if len(commas) < 5:
            if len(buf) > 4096:
                return None, 3  # not a valid header: skip the command
            return None, 0
        header = bytes(buf[3 : commas[4]]).decode("ascii", "replace")
        try:
            target, fmt, ext, total, _ = header.split(",")
            device, _, name = target.rpartition(":")
            size = int(total)
        except ValueError:
            logger.warning("bad ~DY header %r", header)
            return None, commas[4] + 1
        begin = commas[4] + 1
        fmt = fmt.upper()
        need = size if fmt in ("B", "C") else 2 * size
        if len(buf) - begin < need:
            self._need = begin + need
            return None, 0
        raw = bytes(buf[begin : begin + need])
        data = raw if fmt in ("B", "C") else bytes.fromhex(raw.decode("ascii", "replace"))
        return Download((device or "R").upper(), name.upper(), fmt, ext.upper(), data), begin + need


def _find_prefix(buf: bytearray, start: int = 0) -> int:
    hits = [i for i in (buf.find(b"^", start), buf.find(b"~", start)) if i >= 0]
    return min(hits) if hits else -1


# --- label format fields ------------------------------------------------------------


@dataclass(frozen=True)
class TextField:
    """A text field: position (``^FO`` top-left or ``^FT`` baseline), font, data."""

    x: int
    y: int
    anchor: str
    font: str
    height: int
    text: str
    reverse: bool = False


@dataclass(frozen=True)
class BarcodeField:
    """A ``^BC`` (code128) or ``^BX`` (datamatrix) field."""

    kind: str
    x: int
    y: int
    data: str
    module: int
    height: int
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostVerify:
    """``^HV``: return field ``number``'s data to the host with header and terminator."""

    number: int
    length: int
    header: str
    terminator: str
    applies: str


@dataclass
class ParsedFormat:
    """What a label format asks the printer to do."""

    texts: list[TextField] = field(default_factory=list)
    barcodes: list[BarcodeField] = field(default_factory=list)
    rfid_writes: list[str] = field(default_factory=list)  # hex written to the EPC bank
    rfid_reads: list[int] = field(default_factory=list)  # ^FN numbers read into
    verifies: list[HostVerify] = field(default_factory=list)
    rfid_setup: tuple[str, ...] = ()
    charset: int | None = None
    width: int | None = None
    length: int | None = None
    quantity: int = 1
    fonts: set[str] = field(default_factory=set)

    def barcode(self, kind: str) -> BarcodeField | None:
        """The first barcode field of ``kind``."""
        return next((b for b in self.barcodes if b.kind == kind), None)

    @property
    def rfid_retries(self) -> int:
        """Labels to try when an encode fails (``^RS`` n, default 3)."""
        if len(self.rfid_setup) > 3 and self.rfid_setup[3].strip().isdigit():
            return int(self.rfid_setup[3])
        return 3

    @property
    def rfid_error_action(self) -> str:
        """``^RS`` e: N (drop), P (pause) or E (error mode); default N."""
        if len(self.rfid_setup) > 4 and self.rfid_setup[4].strip():
            return self.rfid_setup[4].strip().upper()
        return "N"


_CMD = re.compile(r"[\^~]([A-Za-z@][A-Za-z0-9@])")


def _unhex(data: str, indicator: str) -> str:
    raw = data.encode("utf-8")
    esc = indicator.encode("ascii")
    out = bytearray()
    i = 0
    while i < len(raw):
        if (
            raw[i : i + 1] == esc
            and i + 2 < len(raw) + 0
            and re.fullmatch(rb"[0-9A-Fa-f]{2}", raw[i + 1 : i + 3])
        ):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "replace")


def _ints(params: list[str], n: int, default: int = 0) -> list[int]:
    vals = []
    for i in range(n):
        p = params[i].strip() if i < len(params) else ""
        vals.append(int(p) if re.fullmatch(r"-?\d+", p) else default)
    return vals


def parse_format(fmt: Format | bytes | str) -> ParsedFormat:
    """Parse a label format's fields (text, barcodes, RFID, ``^HV``)."""
    raw = fmt.raw if isinstance(fmt, Format) else fmt
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "^XA" not in text.upper():
        raise LabelError("not a ZPL label format (no ^XA)", zh="不是 ZPL 标签格式（缺少 ^XA）")
    out = ParsedFormat()
    cmds = [(m.group(1).upper(), m.start(), m.end()) for m in _CMD.finditer(text)]
    state: dict[str, object] = {}
    module = 2
    for i, (code, _, end) in enumerate(cmds):
        nxt = cmds[i + 1][1] if i + 1 < len(cmds) else len(text)
        arg = text[end:nxt]
        params = arg.split(",")
        if code == "FD":
            # Field data runs to ^FS; it was split only if it contained ^, which our
            # labels escape.
            state["data"] = arg
        elif code in ("FO", "FT"):
            x, y = _ints(params, 2)
            state.update(x=x, y=y, anchor=code)
        elif code == "FH":
            state["hex"] = arg[:1] or "_"
        elif code == "FR":
            state["reverse"] = True
        elif code == "FN":
            state["fn"] = _ints(params, 1)[0]
        elif code.startswith("A") and code != "A@":
            state.update(font=code[1], height=_ints(params, 2)[1] if len(params) > 1 else 0)
        elif code == "A@":
            o_h_w = params[:3]
            state.update(
                font=params[3].strip().upper() if len(params) > 3 else "", height=_ints(o_h_w, 2)[1]
            )
        elif code == "BY":
            module = _ints(params, 1, 2)[0]
        elif code == "BC":
            state.update(kind="code128", bar_height=_ints(params, 2)[1], params=tuple(params))
        elif code == "BX":
            state.update(kind="datamatrix", bar_height=_ints(params, 2)[1], params=tuple(params))
        elif code == "RF":
            state.update(kind="rfid-" + (params[0].strip().upper() or "W"), params=tuple(params))
        elif code == "RS":
            out.rfid_setup = tuple(p.strip() for p in params)
        elif code == "HV":
            num, length = _ints(params, 2)
            state.update(kind="hv", hv=(num, length, *[*params[2:5], "", "", ""][:3]))
        elif code == "CI":
            out.charset = _ints(params, 1)[0]
        elif code == "PW":
            out.width = _ints(params, 1)[0]
        elif code == "LL":
            out.length = _ints(params, 1)[0]
        elif code == "PQ":
            out.quantity = max(1, _ints(params, 1, 1)[0])
        elif code == "FS":
            _finish_field(out, state, module)
            state = {}
    return out


def _finish_field(out: ParsedFormat, state: dict[str, object], module: int) -> None:
    data = str(state.get("data", ""))
    hexind = state.get("hex")
    kind = state.get("kind")
    x, y = int(str(state.get("x", 0))), int(str(state.get("y", 0)))
    if kind == "hv":
        hv = state["hv"]
        assert isinstance(hv, tuple)
        num, length, header, term, applies = hv
        ind = str(hexind) if hexind else None
        out.verifies.append(
            HostVerify(
                int(num),
                int(length) or 64,
                _unhex(str(header), ind) if ind else str(header),
                _unhex(str(term), ind) if ind else str(term),
                str(applies).strip().upper() or "F",
            )
        )
        return
    if hexind:
        data = _unhex(data, str(hexind))
    if kind in ("code128", "datamatrix"):
        params = state.get("params", ())
        assert isinstance(params, tuple)
        height = int(str(state.get("bar_height", 0)))
        # ^BX gives the module size in its own h parameter; ^BC takes it from ^BY.
        mod = max(1, height) if kind == "datamatrix" else module
        out.barcodes.append(BarcodeField(str(kind), x, y, data, mod, height, params))
    elif kind == "rfid-W":
        out.rfid_writes.append(data.strip().upper())
    elif kind == "rfid-R":
        out.rfid_reads.append(int(str(state.get("fn", 0))))
    elif "font" in state and "data" in state:
        font = str(state["font"])
        if len(font) > 1:
            out.fonts.add(font)
        out.texts.append(
            TextField(
                x,
                y,
                str(state.get("anchor", "FO")),
                font,
                int(str(state.get("height", 0))),
                data,
                bool(state.get("reverse")),
            )
        )
