"""Device URLs as the site file writes them.

A serial reader is reached the way pyserial's ``serial_for_url`` understands: a device
path (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``), ``socket://host:port`` or
``rfc2217://host:port`` (and pyserial's ``loop://``, ``spy://``). A reader protocol on
another kind of link names its own check in its registration (see
:mod:`tracker.protocols`).
"""

from __future__ import annotations

import re

SERIAL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "sim")
_PRINTER = re.compile(r"^(tcp://[^:/]+:\d+|file://.+|cups://.+|sim)$")


def host_port(rest: str) -> bool:
    """True when ``rest`` (what follows ``scheme://``) starts with ``host:port``."""
    hm = re.match(r"^([^:/?#]+):(\d{1,5})(?:[/?].*)?$", rest)
    return hm is not None and 0 < int(hm.group(2)) < 65536


def check_device_url(url: str) -> str | None:
    """Return why ``url`` is not a usable serial device URL, or None when it is."""
    if not url:
        return "the URL is empty"
    if url.startswith("/"):
        return None
    m = re.match(r"^([a-z0-9+]+)://(.*)$", url)
    if not m:
        return "expected a device path (/dev/...) or scheme://host:port"
    scheme, rest = m.groups()
    if scheme not in SERIAL_SCHEMES:
        return f"unknown scheme {scheme!r} (expected one of {', '.join(SERIAL_SCHEMES)})"
    if scheme in ("socket", "rfc2217") and not host_port(rest):
        return f"{scheme}:// needs host:port"
    return None


def check_printer_url(url: str) -> str | None:
    """Return why ``url`` is not a printer URL, or None when it is."""
    if _PRINTER.match(url):
        return None
    return "tcp://host:9100, file:///dir, cups://QUEUE or sim"
