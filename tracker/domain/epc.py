"""EPC identity of a carrier's RFID tag: GS1 GIAI-96 and GIAI-202.

A carrier's tag holds a GIAI (Global Individual Asset Identifier): the site's GS1
company prefix plus an individual asset reference. Two binary forms exist:

* GIAI-96: header ``0x34`` | filter (3 bits) | partition (3) | prefix (M bits) |
  reference as an integer (N bits). The reference must be digits without a leading
  zero (GS1 TDS "Integer" encoding), so ``0123`` cannot be written: it is refused, never
  silently turned into ``123``.
* GIAI-202: header ``0x38`` | filter | partition | prefix | reference as 7-bit ASCII
  characters from the GS1 AI encodable set 82, zero-padded; the 202 bits are padded to
  208 on the tag (a whole number of 16-bit words).

The partition value says how many digits of the 96 (or 202) bits belong to the company
prefix. Both directions refuse anything that is not the one canonical encoding, because
a tag we cannot map back to exactly one identity would break custody tracking.

Standard library only: this module is part of the domain.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from tracker.domain.errors import InvalidInput

logger = logging.getLogger(__name__)

HEADER_GIAI96 = 0x34
HEADER_GIAI202 = 0x38

# partition -> (prefix bits, prefix digits, GIAI-96 reference bits, GIAI-202 reference
# bits, GIAI-202 reference characters); from the GS1 EPC Tag Data Standard tables.
_PARTITIONS: dict[int, tuple[int, int, int, int, int]] = {
    0: (40, 12, 42, 148, 18),
    1: (37, 11, 45, 151, 19),
    2: (34, 10, 48, 154, 20),
    3: (30, 9, 52, 158, 21),
    4: (27, 8, 55, 161, 22),
    5: (24, 7, 58, 164, 23),
    6: (20, 6, 62, 168, 24),
}
_BY_DIGITS = {v[1]: p for p, v in _PARTITIONS.items()}

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

# In EPC URIs these characters of set 82 must be percent-escaped (TDS, GS3A3 component).
_URI_ESCAPES = {
    '"': "%22",
    "%": "%25",
    "&": "%26",
    "/": "%2F",
    "<": "%3C",
    ">": "%3E",
    "?": "%3F",
}
_URI_UNESCAPES = {v: k for k, v in _URI_ESCAPES.items()}

GIAI_MAX_LENGTH = 30  # GS1 AI (8004): company prefix + asset reference


class Scheme(StrEnum):
    """The binary coding scheme written to the tag."""

    GIAI_96 = "giai-96"
    GIAI_202 = "giai-202"

    @property
    def header(self) -> int:
        """The 8-bit EPC header of the scheme."""
        return HEADER_GIAI96 if self is Scheme.GIAI_96 else HEADER_GIAI202

    @property
    def tag_bits(self) -> int:
        """Bits written to the tag's EPC bank (202 is padded to 208)."""
        return 96 if self is Scheme.GIAI_96 else 208

    @classmethod
    def parse(cls, value: str, field: str = "scheme") -> Scheme:
        """Parse ``giai-96`` / ``giai-202`` (also ``96`` / ``202``)."""
        text = value.strip().lower()
        for s in cls:
            if text in (s.value, s.value.removeprefix("giai-")):
                return s
        raise InvalidInput(
            field,
            f"unknown EPC scheme {value!r} (expected giai-96 or giai-202)",
            zh=f"未知的EPC编码方案 {value!r}（应为 giai-96 或 giai-202）",
        )


@dataclass(frozen=True)
class Giai:
    """One GIAI identity with the filter and scheme used to write it to a tag.

    Construct through :func:`encode`, :func:`decode` or :func:`parse_tag_uri`; the
    constructor validates every field and raises :class:`InvalidInput` naming it.
    """

    company_prefix: str
    asset_reference: str
    filter: int = 0
    scheme: Scheme = Scheme.GIAI_96

    def __post_init__(self) -> None:
        _check_filter(self.filter)
        _check_prefix(self.company_prefix)
        _check_reference(self.company_prefix, self.asset_reference, self.scheme)

    @property
    def partition(self) -> int:
        """Partition value: 12 minus the number of company-prefix digits."""
        return _BY_DIGITS[len(self.company_prefix)]

    @property
    def id_uri(self) -> str:
        """Pure-identity URI, e.g. ``urn:epc:id:giai:0614141.12345400``."""
        return f"urn:epc:id:giai:{self.company_prefix}.{_uri_escape(self.asset_reference)}"

    @property
    def tag_uri(self) -> str:
        """Tag URI, e.g. ``urn:epc:tag:giai-96:0.0614141.12345400``."""
        ref = _uri_escape(self.asset_reference)
        return f"urn:epc:tag:{self.scheme.value}:{self.filter}.{self.company_prefix}.{ref}"

    @property
    def element_string(self) -> str:
        """The GS1 element string ``(8004)<prefix><reference>``."""
        return f"(8004){self.company_prefix}{self.asset_reference}"

    def to_int(self) -> int:
        """The tag's EPC bank contents as one integer of :attr:`Scheme.tag_bits` bits."""
        prefix_bits, _, ref96_bits, ref202_bits, _ = _PARTITIONS[self.partition]
        value = self.scheme.header
        value = (value << 3) | self.filter
        value = (value << 3) | self.partition
        value = (value << prefix_bits) | int(self.company_prefix)
        if self.scheme is Scheme.GIAI_96:
            return (value << ref96_bits) | int(self.asset_reference)
        ref = 0
        for ch in self.asset_reference:
            ref = (ref << 7) | ord(ch)
        ref <<= ref202_bits - 7 * len(self.asset_reference)
        value = (value << ref202_bits) | ref
        return value << (208 - 202)

    def hex(self) -> str:
        """Upper-case hex of the tag's EPC bank (24 digits for GIAI-96, 52 for GIAI-202)."""
        return f"{self.to_int():0{self.scheme.tag_bits // 4}X}"

    def to_bytes(self) -> bytes:
        """The EPC bank contents as bytes (12 or 26)."""
        return self.to_int().to_bytes(self.scheme.tag_bits // 8, "big")


def encode(
    prefix: str,
    reference: str | int,
    *,
    filter: int = 0,
    scheme: Scheme | str = Scheme.GIAI_96,
) -> Giai:
    """Build a validated :class:`Giai` from a company prefix and asset reference.

    ``reference`` may be an ``int`` (GIAI-96 only makes sense for numbers) or a string;
    a string is used exactly as given: a leading zero is refused for GIAI-96, never
    stripped.
    """
    sch = scheme if isinstance(scheme, Scheme) else Scheme.parse(scheme)
    if isinstance(reference, bool) or not isinstance(reference, int | str):
        raise InvalidInput("reference", f"must be a string or an integer, not {reference!r}")
    if isinstance(reference, int):
        if reference < 0:
            raise InvalidInput(
                "reference", f"must not be negative: {reference}", zh=f"不能为负数：{reference}"
            )
        reference = str(reference)
    return Giai(prefix, reference, filter, sch)


def giai96(prefix: str, ref: int, filter: int = 0) -> str:
    """Upper-case GIAI-96 hex for a numeric asset reference (e.g. a never-reused counter)."""
    return encode(prefix, ref, filter=filter, scheme=Scheme.GIAI_96).hex()


def giai202(prefix: str, ref: str, filter: int = 0) -> str:
    """Upper-case GIAI-202 hex (52 digits, 208 bits) for an alphanumeric reference."""
    return encode(prefix, ref, filter=filter, scheme=Scheme.GIAI_202).hex()


def decode(hex_text: str) -> Giai:
    """Decode the hex of a tag's EPC bank into a :class:`Giai`.

    Refuses a header other than GIAI-96/202, the wrong length, partition 7, and any
    non-canonical encoding (prefix or reference out of range, characters outside set
    82, non-zero bits after the reference's terminating zero or in the padding).
    """
    text = hex_text.strip().replace(" ", "")
    if not re.fullmatch(r"[0-9A-Fa-f]+", text or "-"):
        raise InvalidInput(
            "epc", f"not hexadecimal: {hex_text!r}", zh=f"不是十六进制：{hex_text!r}"
        )
    header = int(text[:2], 16)
    if header == HEADER_GIAI96:
        scheme = Scheme.GIAI_96
    elif header == HEADER_GIAI202:
        scheme = Scheme.GIAI_202
    else:
        raise InvalidInput(
            "epc",
            f"header 0x{header:02X} is not GIAI-96 (0x34) or GIAI-202 (0x38)",
            zh=f"EPC 头 0x{header:02X} 不是 GIAI-96 (0x34) 或 GIAI-202 (0x38)",
        )
    digits = scheme.tag_bits // 4
    if len(text) != digits:
        raise InvalidInput(
            "epc",
            f"{scheme.value} needs {digits} hex digits, got {len(text)}",
            zh=f"{scheme.value} 应为 {digits} 位十六进制，实际 {len(text)} 位",
        )
    value = int(text, 16)
    bits = scheme.tag_bits
    filt = (value >> (bits - 11)) & 0x7
    partition = (value >> (bits - 14)) & 0x7
    if partition not in _PARTITIONS:
        raise InvalidInput(
            "epc", f"invalid partition value {partition}", zh=f"分区值 {partition} 无效"
        )
    prefix_bits, prefix_digits, _, ref202_bits, ref202_chars = _PARTITIONS[partition]
    rest_bits = bits - 14 - prefix_bits
    prefix_value = (value >> rest_bits) & ((1 << prefix_bits) - 1)
    if prefix_value >= 10**prefix_digits:
        raise InvalidInput(
            "epc",
            f"company prefix value {prefix_value} does not fit {prefix_digits} digits",
            zh=f"厂商识别代码 {prefix_value} 超过 {prefix_digits} 位",
        )
    prefix = f"{prefix_value:0{prefix_digits}d}"
    rest = value & ((1 << rest_bits) - 1)
    if scheme is Scheme.GIAI_96:
        ref = str(rest)
        if len(ref) > 25 - prefix_digits:
            raise InvalidInput(
                "epc",
                f"asset reference {ref} is longer than {25 - prefix_digits} digits",
                zh=f"资产参考号 {ref} 超过 {25 - prefix_digits} 位",
            )
        return Giai(prefix, ref, filt, scheme)
    if rest & ((1 << (208 - 202)) - 1):
        raise InvalidInput(
            "epc", "padding bits after bit 202 are not zero", zh="第202位之后的填充位不为零"
        )
    ref_field = rest >> (208 - 202)
    return Giai(prefix, _decode_chars(ref_field, ref202_bits, ref202_chars), filt, scheme)


def parse_tag_uri(uri: str) -> Giai:
    """Parse ``urn:epc:tag:giai-96:F.P.R`` (or ``giai-202``) into a :class:`Giai`."""
    m = re.fullmatch(r"urn:epc:tag:(giai-96|giai-202):([0-7])\.(\d+)\.(.+)", uri.strip())
    if not m:
        raise InvalidInput(
            "tag_uri",
            f"not a GIAI tag URI: {uri!r} (expected urn:epc:tag:giai-96:F.P.R)",
            zh=f"不是 GIAI 标签 URI：{uri!r}",
        )
    return Giai(m.group(3), _uri_unescape(m.group(4)), int(m.group(2)), Scheme(m.group(1)))


def parse_id_uri(uri: str) -> tuple[str, str]:
    """Parse ``urn:epc:id:giai:P.R`` into ``(company_prefix, asset_reference)``."""
    m = re.fullmatch(r"urn:epc:id:giai:(\d+)\.(.+)", uri.strip())
    if not m:
        raise InvalidInput(
            "id_uri", f"not a GIAI identity URI: {uri!r}", zh=f"不是 GIAI 标识 URI：{uri!r}"
        )
    return m.group(1), _uri_unescape(m.group(2))


# --- validation -------------------------------------------------------------


def _check_filter(filt: int) -> None:
    if isinstance(filt, bool) or not isinstance(filt, int) or not 0 <= filt <= 7:
        raise InvalidInput(
            "filter", f"must be an integer 0-7, got {filt!r}", zh=f"应为 0-7 的整数，实际 {filt!r}"
        )


def _check_prefix(prefix: str) -> None:
    if not isinstance(prefix, str) or not re.fullmatch(r"[0-9]{6,12}", prefix):
        raise InvalidInput(
            "prefix",
            f"a GS1 company prefix is 6 to 12 digits, got {prefix!r}",
            zh=f"GS1 厂商识别代码应为 6 至 12 位数字，实际 {prefix!r}",
        )


def _check_reference(prefix: str, ref: str, scheme: Scheme) -> None:
    if not isinstance(ref, str) or ref == "":
        raise InvalidInput("reference", "asset reference is empty", zh="资产参考号为空")
    digits = len(prefix)
    _, _, ref96_bits, _, ref202_chars = _PARTITIONS[_BY_DIGITS[digits]]
    if digits + len(ref) > GIAI_MAX_LENGTH:
        raise InvalidInput(
            "reference",
            f"{ref!r} is too long: prefix and reference together may have at most "
            f"{GIAI_MAX_LENGTH} characters",
            zh=f"{ref!r} 过长：厂商识别代码与资产参考号合计不超过 {GIAI_MAX_LENGTH} 个字符",
        )
    if scheme is Scheme.GIAI_96:
        if not re.fullmatch(r"[0-9]+", ref):
            raise InvalidInput(
                "reference",
                f"GIAI-96 needs a numeric reference, got {ref!r} (use giai-202 for letters)",
                zh=f"GIAI-96 的资产参考号只能是数字，实际 {ref!r}（含字母请用 giai-202）",
            )
        if len(ref) > 1 and ref[0] == "0":
            raise InvalidInput(
                "reference",
                f"GIAI-96 cannot encode a leading zero in {ref!r}",
                zh=f"GIAI-96 无法编码前导零：{ref!r}",
            )
        if len(ref) > 25 - digits or int(ref) >= 1 << ref96_bits:
            raise InvalidInput(
                "reference",
                f"{ref} does not fit GIAI-96 with a {digits}-digit prefix "
                f"(at most {min(25 - digits, len(str((1 << ref96_bits) - 1)))} digits "
                f"and below 2^{ref96_bits})",
                zh=f"{ref} 超出 {digits} 位厂商识别代码下 GIAI-96 的容量（小于 2^{ref96_bits}）",
            )
        return
    bad = sorted({ch for ch in ref if ch not in CSET82})
    if bad:
        raise InvalidInput(
            "reference",
            f"characters {''.join(bad)!r} are not in the GS1 encodable set 82",
            zh=f"字符 {''.join(bad)!r} 不在 GS1 可编码字符集 82 中",
        )
    if len(ref) > ref202_chars:
        raise InvalidInput(
            "reference",
            f"{ref!r} has {len(ref)} characters; GIAI-202 with a {digits}-digit prefix "
            f"holds at most {ref202_chars}",
            zh=f"{ref!r} 共 {len(ref)} 个字符，"
            f"{digits} 位厂商识别代码下 GIAI-202 最多 {ref202_chars} 个",
        )


def _decode_chars(field: int, nbits: int, max_chars: int) -> str:
    chars: list[str] = []
    used = 0
    for i in range(max_chars):
        code = (field >> (nbits - 7 * (i + 1))) & 0x7F
        used = 7 * (i + 1)
        if code == 0:
            break
        ch = chr(code)
        if ch not in CSET82:
            raise InvalidInput(
                "epc",
                f"character 0x{code:02X} is not in the GS1 encodable set 82",
                zh=f"字符 0x{code:02X} 不在 GS1 可编码字符集 82 中",
            )
        chars.append(ch)
    # Everything after the terminating zero (or after the longest allowed reference)
    # must be zero, otherwise two different bit patterns would mean the same identity.
    if field & ((1 << (nbits - used)) - 1):
        raise InvalidInput(
            "epc",
            "non-zero bits after the asset reference",
            zh="资产参考号之后仍有非零位",
        )
    if not chars:
        raise InvalidInput("epc", "the asset reference is empty", zh="资产参考号为空")
    return "".join(chars)


def _uri_escape(ref: str) -> str:
    return "".join(_URI_ESCAPES.get(ch, ch) for ch in ref)


def _uri_unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "%":
            esc = text[i : i + 3].upper()
            if esc not in _URI_UNESCAPES:
                raise InvalidInput(
                    "uri", f"unknown escape {text[i : i + 3]!r}", zh=f"未知转义 {text[i : i + 3]!r}"
                )
            out.append(_URI_UNESCAPES[esc])
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
