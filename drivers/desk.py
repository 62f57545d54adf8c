"""The custodian's desk reader: read the EPC of the one tag just printed, for label
read-back when the printer cannot read its own tags (office printers)."""

from __future__ import annotations

import threading
import time

from drivers.readers import M100Reader
from drivers.reads import TagRead


def read_desk_tag(url: str, *, want: str | None = None, timeout: float = 3.0) -> str | None:
    """Run an M100 reader at ``url`` for up to ``timeout`` seconds and return the EPC it
    heard loudest (or ``want`` as soon as it is heard); None when no tag answered."""
    best: dict[str, int] = {}
    found = threading.Event()

    def on_read(read: TagRead) -> None:
        best[read.epc] = max(best.get(read.epc, -128), read.rssi)
        if want is not None and read.epc == want.upper():
            found.set()

    reader = M100Reader(url, "desk", on_read)
    reader.start(require_port=True)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not found.is_set():
            found.wait(0.05)
    finally:
        reader.close()
    if want is not None and want.upper() in best:
        return want.upper()
    return max(best, key=lambda e: best[e]) if best else None
