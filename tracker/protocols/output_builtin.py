"""The registrations of the relay-board protocols the project ships (``lcus``,
``modbus``), binding each one's driver and simulator.

Composition root, like :mod:`tracker.protocols.builtin`: drivers, simulators and
pymodbus are imported inside the factories, so registering costs no import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tracker.config.outputs import OutputConfig
from tracker.protocols.outputs import OutputHandle, OutputProtocol, SimulatedOutput, register

LCUS_BAUD = 9600  # drivers.relay.LCUS_BAUD, repeated so registering imports no driver
MODBUS_BAUD = 9600  # drivers.modbus_relay.MODBUS_BAUD


def _lcus(cfg: OutputConfig) -> OutputHandle:
    from drivers.relay import LcusRelay

    return LcusRelay(cfg.id, cfg.url, cfg.channels, baudrate=cfg.baudrate or LCUS_BAUD)


def _lcus_simulator(link: Path, cfg: OutputConfig) -> SimulatedOutput:
    from simulators.relay import LcusSimulator

    return LcusSimulator(link)


register(
    OutputProtocol(
        name="lcus",
        summary="CH340 LCUS USB relay module, A0 relay state checksum (serial, 9600 baud)",
        answers=False,  # write-only: judged by its USB line alone
        open=_lcus,
        simulate=_lcus_simulator,
        baudrate=LCUS_BAUD,
        max_channels=8,
    )
)


def _modbus_keys(
    cfg: OutputConfig, keys: Mapping[str, Any], problem: Callable[[str, str], None]
) -> OutputConfig:
    options: dict[str, int] = {"unit": 1, "coil_base": 0}
    for k, v in keys.items():
        if k not in options:
            problem(k, "unknown key (a Modbus board takes unit and coil_base)")
        elif (
            not isinstance(v, int)
            or isinstance(v, bool)
            or not 0 <= v <= (247 if k == "unit" else 65535)
        ):
            problem(
                k, "unit is a Modbus address 1-247" if k == "unit" else "a coil address 0-65535"
            )
        else:
            options[k] = v
    if options["unit"] == 0:
        problem("unit", "unit 0 is the broadcast address: boards do not answer it")
    return replace(cfg, options=options)


def _modbus(cfg: OutputConfig) -> OutputHandle:
    from drivers.modbus_relay import ModbusRelay

    return ModbusRelay(
        cfg.id,
        cfg.url,
        cfg.channels,
        unit=int(cfg.options.get("unit", 1)),
        coil_base=int(cfg.options.get("coil_base", 0)),
        baudrate=cfg.baudrate or MODBUS_BAUD,
        probe_every=max(0.2, cfg.heartbeat / 3),
    )


def _modbus_simulator(link: Path, cfg: OutputConfig) -> SimulatedOutput:
    from simulators.relay import ModbusRelaySimulator

    return ModbusRelaySimulator(
        link,
        channels=cfg.channels,
        unit=int(cfg.options.get("unit", 1)),
        coil_base=int(cfg.options.get("coil_base", 0)),
        baudrate=cfg.baudrate or MODBUS_BAUD,
    )


register(
    OutputProtocol(
        name="modbus",
        summary="Modbus RTU relay board, a coil per relay (serial RS-485, 9600 baud)",
        answers=True,  # every write is answered; probed while idle
        open=_modbus,
        simulate=_modbus_simulator,
        baudrate=MODBUS_BAUD,
        max_channels=256,
        configure=_modbus_keys,
    )
)
