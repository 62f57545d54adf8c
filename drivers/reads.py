"""What the reader drivers hand upwards: one immutable record per valid frame.

These are the driver "port" the gateway consumes; they carry no protocol detail beyond
what door and safe logic need. Times are ``time.monotonic()`` seconds taken when the
frame was parsed (one clock for every reader in the process).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TagRead:
    """One UHF tag notification.

    ``epc`` is upper-case hex; ``pc`` the 16-bit protocol-control word; ``rssi`` in dBm
    (negative); ``read_point`` the configured id of the reader/antenna; ``at`` monotonic.
    """

    epc: str
    pc: int
    rssi: int
    read_point: str
    at: float


@dataclass(frozen=True, slots=True)
class BadgeRead:
    """One 125 kHz badge frame.

    ``badge`` is upper-case hex: 10 digits from an RDM6300 (version byte + 32-bit id),
    8 digits (the low 32 bits only) from a decimal-line reader — see
    :func:`drivers.em4100.badge_key` for matching the two forms. ``protocol`` is
    ``"em4100"`` or ``"em4100-decimal"``.
    """

    badge: str
    read_point: str
    at: float
    protocol: str


#: The RSSI reported for a read whose reader gives none (UHFReader18 answers, an LLRP
#: report without PeakRSSI): every read of such a reader weighs the same, so the door
#: logic orders its zones by first sight.
UNKNOWN_RSSI = -70
