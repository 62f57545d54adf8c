"""The registrations of the reader protocols the project ships: one :func:`register`
call per protocol, binding its driver and its simulator.

This module is part of the composition root: it wires drivers and simulators together.
Both are imported inside the factories, so registering costs no import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.config.devices import ReaderConfig
from tracker.protocols.keys import check_llrp_url, configure_chafon, configure_llrp, configure_m100
from tracker.protocols.registry import Read, ReaderHandle, ReaderProtocol, SimulatedReader, register

M100_BAUD = 115200  # drivers.m100.BAUDRATE, repeated so registering imports no driver
EM4100_BAUD = 9600  # drivers.em4100.BAUDRATE
CHAFON_BAUD = 57600  # drivers.chafon.BAUDRATE


def _m100_reader(cfg: ReaderConfig, on_read: Callable[[Read], None]) -> ReaderHandle:
    from drivers.readers import M100Reader

    return M100Reader(
        cfg.url,
        cfg.id,
        on_read,
        baudrate=cfg.baudrate or M100_BAUD,
        region=cfg.options.get("region"),
        tx_power=cfg.options.get("tx_power"),
        # An idle module (no tag in the field) is heard only when probed: probe often
        # enough that a healthy one is never silent for its whole heartbeat.
        keepalive=min(5.0, cfg.heartbeat / 3),
    )


def _m100_simulator(link: Path, *, seed: int | None = None, faults: Any = None) -> SimulatedReader:
    from simulators.m100 import M100Simulator

    return M100Simulator(link, seed=seed, faults=faults)


register(
    ReaderProtocol(
        name="m100",
        summary="UHF M100 / YRM100 module, multi-poll inventory (serial, 115200 baud)",
        reads="tag",
        probes=True,  # the driver sends stop + multi-poll when silent; the answer is its pulse
        open=_m100_reader,
        simulate=_m100_simulator,
        baudrate=M100_BAUD,
        configure=configure_m100,
    )
)


def _em4100(mode: str) -> tuple[Any, Any]:
    def reader(cfg: ReaderConfig, on_read: Callable[[Read], None]) -> ReaderHandle:
        from drivers.readers import BadgeReader

        baud = cfg.baudrate or EM4100_BAUD
        return BadgeReader(cfg.url, cfg.id, on_read, protocol=mode, baudrate=baud)

    def simulator(link: Path, *, seed: int | None = None, faults: Any = None) -> SimulatedReader:
        from simulators.rdm6300 import Rdm6300Simulator

        return Rdm6300Simulator(link, mode=mode, seed=seed, faults=faults)

    return reader, simulator


for _mode, _summary in (
    ("em4100", "125 kHz EM4100 badge reader, RDM6300 frames (serial, 9600 baud)"),
    ("em4100-decimal", "125 kHz EM4100 badge reader, 10-digit decimal lines (serial, 9600)"),
):
    _reader, _simulator = _em4100(_mode)
    register(
        ReaderProtocol(
            name=_mode,
            summary=_summary,
            reads="badge",
            probes=False,  # listen-only: it talks only while a badge is held to it
            open=_reader,
            simulate=_simulator,
            baudrate=EM4100_BAUD,
        )
    )


def _llrp_reader(cfg: ReaderConfig, on_read: Callable[[Read], None]) -> ReaderHandle:
    from drivers.llrp_reader import LLRPReader

    return LLRPReader(
        cfg.url,
        cfg.id,
        on_read,
        antennas=cfg.options.get("antennas"),
        keepalive=float(cfg.options.get("keepalive", 5.0)),
    )


def _llrp_simulator(link: Path, *, seed: int | None = None, faults: Any = None) -> SimulatedReader:
    from simulators.llrp import LLRPSimulator

    return LLRPSimulator(link, seed=seed, faults=faults)


register(
    ReaderProtocol(
        name="llrp",
        summary="fixed UHF reader speaking EPCglobal LLRP 1.1 (Impinj, Zebra, …; TCP 5084)",
        reads="tag",
        probes=True,  # the reader sends keepalives; a silent one is dead (watchdog)
        open=_llrp_reader,
        simulate=_llrp_simulator,
        check_url=check_llrp_url,
        configure=configure_llrp,
    )
)


def _chafon_reader(cfg: ReaderConfig, on_read: Callable[[Read], None]) -> ReaderHandle:
    from drivers.chafon_reader import ChafonReader

    address = int(cfg.options.get("address", 0xFF))
    baud = cfg.baudrate or CHAFON_BAUD
    return ChafonReader(cfg.url, cfg.id, on_read, address=address, baudrate=baud)


def _chafon_simulator(
    link: Path, *, seed: int | None = None, faults: Any = None
) -> SimulatedReader:
    from simulators.chafon import ChafonSimulator

    return ChafonSimulator(link, seed=seed, faults=faults)


register(
    ReaderProtocol(
        name="uhfreader18",
        summary="Chafon CF-RU5102 / UHFReader18 family, answer-mode inventory (serial, 57600)",
        reads="tag",
        probes=True,  # the driver polls; every answer (even "no tag") is its pulse
        open=_chafon_reader,
        simulate=_chafon_simulator,
        baudrate=CHAFON_BAUD,
        configure=configure_chafon,
    )
)
