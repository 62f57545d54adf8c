"""The site-file keys of the shipped reader protocols, and their URL checks: what each
protocol's ``configure`` hook reads from its ``[[readers]]`` table. Pure checks — they
import no driver, so reading a site file stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from tracker.config.checks import ID
from tracker.config.devices import ReaderConfig
from tracker.config.urls import host_port

Problem = Callable[[str, str], None]

LLRP_PORT = 5084
#: M100 regions by site-file name → the module's region code (MagicRF M100 manual,
#: "Set Operating Region"). ``cn920``: China 920–925 MHz, the band of GB/T 29768.
M100_REGIONS = {"cn920": 0x01, "us": 0x02, "eu": 0x03, "cn840": 0x04, "kr": 0x06}


def _unknown(keys: Mapping[str, Any], known: set[str], problem: Problem, protocol: str) -> None:
    for key in sorted(set(keys) - known):
        problem(key, f"unknown key for protocol {protocol!r} (known: {', '.join(sorted(known))})")


def _number(
    keys: Mapping[str, Any], key: str, low: float, high: float, problem: Problem
) -> float | None:
    value = keys.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        problem(key, f"must be a number from {low:g} to {high:g}, not {value!r}")
        return None
    return float(value)


def _with(cfg: ReaderConfig, options: dict[str, Any], points: tuple[str, ...] = ()) -> ReaderConfig:
    return replace(cfg, options=MappingProxyType(options), points=points)


# --- LLRP -----------------------------------------------------------------------------


def check_llrp_url(url: str) -> str | None:
    """Why ``url`` is not ``llrp://host[:port]``, or None when it is."""
    m = re.match(r"^llrp://(.+)$", url)
    if not m:
        return "expected llrp://host[:port] (LLRP readers listen on TCP 5084)"
    rest = m.group(1)
    if ":" not in rest.split("/")[0]:
        rest = rest.split("/")[0] + f":{LLRP_PORT}"
    if not host_port(rest):
        return "expected llrp://host[:port]"
    return None


def configure_llrp(cfg: ReaderConfig, keys: Mapping[str, Any], problem: Problem) -> ReaderConfig:
    """``antennas`` (antenna number → read point: several antennas may share a point,
    one reader may serve both zones of a door) and ``keepalive`` (seconds between the
    reader's keepalives; below the reader's ``heartbeat``)."""
    _unknown(keys, {"antennas", "keepalive"}, problem, "llrp")
    keepalive = _number(keys, "keepalive", 0.1, 60.0, problem)
    if keepalive is None:
        keepalive = min(5.0, cfg.heartbeat / 3)
    elif keepalive >= cfg.heartbeat:
        problem(
            "keepalive", f"{keepalive:g} s must be shorter than heartbeat ({cfg.heartbeat:g} s)"
        )
    antennas: dict[int, str] = {}
    raw = keys.get("antennas", {})
    if not isinstance(raw, Mapping):
        problem("antennas", 'must be a table of antenna = "read point", e.g. { 1 = "door-in" }')
        raw = {}
    for number, point in raw.items():
        key = f"antennas.{number}"
        if not str(number).isdigit() or not 1 <= int(number) <= 64:
            problem(key, "an antenna is a port number from 1 to 64")
        elif not isinstance(point, str) or not ID.match(point):
            problem(key, f"read point {point!r} must be 1-64 letters, digits, '-', '_' or '.'")
        else:
            antennas[int(number)] = point
    points = tuple(dict.fromkeys(antennas[n] for n in sorted(antennas)))
    options = {"antennas": MappingProxyType(antennas), "keepalive": keepalive}
    return _with(cfg, options, points)


# --- M100 -----------------------------------------------------------------------------


def configure_m100(cfg: ReaderConfig, keys: Mapping[str, Any], problem: Problem) -> ReaderConfig:
    """``region`` (set at start and read back; ``cn920`` = China 920–925 MHz) and
    ``tx_power`` (dBm, set and read back); both optional (leave the module's own)."""
    _unknown(keys, {"region", "tx_power"}, problem, "m100")
    options: dict[str, Any] = {}
    region = keys.get("region")
    if region is not None:
        if region not in M100_REGIONS:
            problem("region", f"unknown region {region!r} (one of {', '.join(M100_REGIONS)})")
        else:
            options["region"] = M100_REGIONS[region]
    power = _number(keys, "tx_power", 0.0, 33.0, problem)
    if power is not None:
        options["tx_power"] = power
    return _with(cfg, options)


# --- Chafon / UHFReader18 -------------------------------------------------------------


def configure_chafon(cfg: ReaderConfig, keys: Mapping[str, Any], problem: Problem) -> ReaderConfig:
    """``address`` — the reader's address on its line (0–254; 255, the default, is the
    broadcast address any single reader answers)."""
    _unknown(keys, {"address"}, problem, "uhfreader18")
    address = keys.get("address", 0xFF)
    if isinstance(address, bool) or not isinstance(address, int) or not 0 <= address <= 255:
        problem("address", f"must be a whole number from 0 to 255, not {address!r}")
        address = 0xFF
    return _with(cfg, {"address": address})
