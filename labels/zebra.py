"""The Zebra ``~HS`` host status answer: three ``<STX>…<ETX><CR><LF>`` strings.

Layout (ZPL II Programming Guide, ``~HS``):

* string 1 ``aaa,b,c,dddd,eee,f,g,h,iii,j,k,l`` — interface settings, paper out, pause,
  label length (dots), formats in receive buffer, buffer full, diagnostic mode,
  partial format, unused ``000``, corrupt RAM, under temperature, over temperature;
* string 2 ``mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www`` — function settings, unused, head up,
  ribbon out, thermal transfer, print mode, print width mode, label waiting, labels
  remaining in batch, format while printing (always 1), graphics stored;
* string 3 ``xxxx,y`` — password, static RAM installed.

Both the TCP printer (parsing) and the printer simulator (formatting) use this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from tracker.domain.errors import FrameError

logger = logging.getLogger(__name__)

STX, ETX = b"\x02", b"\x03"

# Flag -> (English, Chinese) for conditions that stop printing.
PROBLEMS = {
    "paper_out": ("paper (media) out", "缺纸（标签纸用完）"),
    "head_up": ("print head open", "打印头未合上"),
    "ribbon_out": ("ribbon out", "碳带用完"),
    "paused": ("printer paused", "打印机已暂停"),
    "buffer_full": ("receive buffer full", "接收缓冲区已满"),
    "corrupt_ram": ("configuration lost (corrupt RAM)", "配置数据丢失（RAM 损坏）"),
    "under_temperature": ("print head too cold", "打印头温度过低"),
    "over_temperature": ("print head too hot", "打印头过热"),
}


@dataclass(frozen=True)
class HostStatus:
    """The fields of a ``~HS`` answer that matter here (others kept for round trips)."""

    interface: int = 0
    paper_out: bool = False
    paused: bool = False
    label_length: int = 0
    formats_in_buffer: int = 0
    buffer_full: bool = False
    diagnostic_mode: bool = False
    partial_format: bool = False
    corrupt_ram: bool = False
    under_temperature: bool = False
    over_temperature: bool = False
    function_settings: int = 0
    head_up: bool = False
    ribbon_out: bool = False
    thermal_transfer: bool = False
    print_mode: int = 2  # tear-off
    print_width_mode: int = 0
    label_waiting: bool = False
    labels_remaining: int = 0
    graphics_stored: int = 0
    password: int = 1234
    static_ram: bool = False

    def problems(self) -> list[str]:
        """Names (keys of :data:`PROBLEMS`) of every condition that stops printing."""
        return [name for name in PROBLEMS if getattr(self, name)]

    def with_(self, **changes: object) -> HostStatus:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _b(flag: bool) -> str:
    return "1" if flag else "0"


def format_host_status(s: HostStatus) -> bytes:
    """The three strings a Zebra sends in answer to ``~HS``."""
    one = (
        f"{s.interface:03d},{_b(s.paper_out)},{_b(s.paused)},{s.label_length:04d},"
        f"{s.formats_in_buffer:03d},{_b(s.buffer_full)},{_b(s.diagnostic_mode)},"
        f"{_b(s.partial_format)},000,{_b(s.corrupt_ram)},{_b(s.under_temperature)},"
        f"{_b(s.over_temperature)}"
    )
    two = (
        f"{s.function_settings:03d},0,{_b(s.head_up)},{_b(s.ribbon_out)},"
        f"{_b(s.thermal_transfer)},{s.print_mode},{s.print_width_mode},"
        f"{_b(s.label_waiting)},{s.labels_remaining:08d},1,{s.graphics_stored:03d}"
    )
    three = f"{s.password:04d},{_b(s.static_ram)}"
    return b"".join(STX + part.encode("ascii") + ETX + b"\r\n" for part in (one, two, three))


def split_frames(buf: bytearray) -> list[bytes]:
    """Remove and return every complete ``<STX>…<ETX>`` frame from ``buf`` (CR LF and
    anything before an STX is dropped); a partial frame stays in ``buf``."""
    frames: list[bytes] = []
    while True:
        start = buf.find(STX)
        if start < 0:
            return frames
        end = buf.find(ETX, start)
        if end < 0:
            return frames
        frames.append(bytes(buf[start + 1 : end]))
        del buf[: end + 1]


def parse_host_status(frames: list[bytes]) -> HostStatus:
    """Parse the three strings (without STX/ETX) of a ``~HS`` answer."""
    if len(frames) != 3:
        raise FrameError(f"~HS answer needs 3 strings, got {len(frames)}", zh="~HS 应答应有 3 行")
    try:
        one = frames[0].decode("ascii").split(",")
        two = frames[1].decode("ascii").split(",")
        three = frames[2].decode("ascii").split(",")
        if len(one) != 12 or len(two) != 11 or len(three) != 2:
            raise ValueError(f"field counts {len(one)}/{len(two)}/{len(three)}, want 12/11/2")
        return HostStatus(
            interface=int(one[0]),
            paper_out=one[1] == "1",
            paused=one[2] == "1",
            label_length=int(one[3]),
            formats_in_buffer=int(one[4]),
            buffer_full=one[5] == "1",
            diagnostic_mode=one[6] == "1",
            partial_format=one[7] == "1",
            corrupt_ram=one[9] == "1",
            under_temperature=one[10] == "1",
            over_temperature=one[11] == "1",
            function_settings=int(two[0]),
            head_up=two[2] == "1",
            ribbon_out=two[3] == "1",
            thermal_transfer=two[4] == "1",
            print_mode=int(two[5]) if two[5].isdigit() else 0,
            print_width_mode=int(two[6]) if two[6].isdigit() else 0,
            label_waiting=two[7] == "1",
            labels_remaining=int(two[8]),
            graphics_stored=int(two[10]),
            password=int(three[0]),
            static_ram=three[1] == "1",
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise FrameError(
            f"malformed ~HS answer {frames!r}: {exc}", zh=f"~HS 应答格式错误：{exc}"
        ) from exc
