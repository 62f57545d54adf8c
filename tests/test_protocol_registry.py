"""A reader protocol is a codec, a reader class, a simulator and one registration.

This test writes a throw-away protocol ("line": text lines over a serial line; the host
probes with ``P``, the reader answers ``A`` and reports tags as ``T <EPC> <RSSI>``),
registers it, and shows that the site file, the simulated office, the gateway (through
the composition root's ``open_reader``) and the command line (``rfid listen``,
``sim rfid``) all find it with no other edit — and that the gateway notices a probed
reader that stops answering, while a listen-only one is judged by its link.
"""

from __future__ import annotations

import json
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drivers.framing import BufferedFramer
from drivers.readers import SerialReader
from drivers.reads import TagRead
from drivers.transport import Backoff
from simulators.device import Faults, SerialDeviceSimulator
from simulators.office import SimulatedOffice
from tracker import protocols
from tracker.bootstrap import open_reader
from tracker.cli.rfid import app as rfid_app
from tracker.cli.sim import app as sim_app
from tracker.config import ReaderConfig, parse_site
from tracker.domain.errors import ConfigError
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions
from tracker.protocols import ReaderProtocol, SimulatedReader
from tracker.services.movement import Observation

EPC = "30751FEB705C5904E3D50D70"

# --- the codec: pure, like drivers/m100.py ---------------------------------------------


@dataclass(frozen=True)
class LineTag:
    epc: str
    rssi: int


@dataclass(frozen=True)
class LineAck:
    pass


def encode_tag(epc: str, rssi: int) -> bytes:
    return f"T {epc} {rssi}\n".encode("ascii")


class LineFramer(BufferedFramer[LineTag | LineAck]):
    def _scan(self, final: bool) -> list[LineTag | LineAck]:
        out: list[LineTag | LineAck] = []
        while b"\n" in self._buf:
            line, _, rest = bytes(self._buf).partition(b"\n")
            self._buf[:] = rest
            words = line.decode("ascii", "replace").split()
            if words == ["A"]:
                out.append(LineAck())
            elif len(words) == 3 and words[0] == "T" and words[2].lstrip("-").isdigit():
                out.append(LineTag(words[1], int(words[2])))
            else:
                self._c.dropped["format"] += 1
                continue
            self._c.frames_ok += 1
        if final and self._buf:
            self._c.dropped["truncated"] += 1
            self._buf.clear()
        return out


# --- the reader class: probes a silent reader, like the M100 driver ------------------


class LineReader(SerialReader[LineTag | LineAck, TagRead]):
    def __init__(
        self, url: str, read_point: str, on_read: Callable[[TagRead], None], *, baudrate: int
    ) -> None:
        super().__init__(
            url,
            read_point,
            on_read,
            LineFramer(),
            baudrate=baudrate,
            backoff=Backoff(0.02, 0.2),
            clock=time.monotonic,
            idle_after=0.3,
            tick_every=0.1,
        )

    def _on_tick(self) -> None:
        heard = self._last_heard or 0.0
        if self._clock() - heard >= 0.3:
            self._send(b"P\n")

    def _handle(self, message: LineTag | LineAck) -> TagRead | None:
        if isinstance(message, LineTag):
            return TagRead(message.epc, 0x3000, message.rssi, self.read_point, self._clock())
        return None


# --- the simulator: the device side, on a real pty ----------------------------------


class LineSimulator(SerialDeviceSimulator):
    """Answers probes (unless muted) and reports the tags in its field every 30 ms."""

    def __init__(self, link: str | Path, *, seed: int | None = None, faults: Any = None) -> None:
        super().__init__(link, faults=faults, seed=seed)
        self._field: dict[str, tuple[float, float | None, bool]] = {}  # start, end, sweep
        self._rssi: dict[str, int] = {}
        self.muted = False
        self._probed = False

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        with self._lock:
            self._field[epc] = (0.0, None, False)
            self._rssi[epc] = rssi

    def remove_tag(self, epc: str) -> None:
        with self._lock:
            self._field.pop(epc, None)

    def pass_tag(
        self, epc: str, duration: float, *, delay: float = 0.0, now: float | None = None
    ) -> None:
        start = (time.monotonic() if now is None else now) + delay
        with self._lock:
            self._field[epc] = (start, start + duration, True)

    @property
    def polling(self) -> bool:
        return self._probed

    def mute(self) -> None:
        self.muted = True

    def _on_host_bytes(self, data: bytes, now: float) -> None:
        if b"P\n" in data:
            self._probed = True
            if not self.muted:
                self._send_frame(b"A\n")

    def _step(self, now: float) -> float:
        if self.muted:
            return 0.03
        with self._lock:
            field = dict(self._field)
        for epc, (start, end, sweep) in field.items():
            if now < start or (end is not None and now >= end):
                continue
            rssi = self._rssi.get(epc, -50)
            if sweep and end is not None:
                frac = (now - start) / (end - start)
                rssi = round(-75 + 30 * (1 - abs(2 * frac - 1)))
            self._send_frame(encode_tag(epc, rssi))
        return 0.03

    def _corrupt(self, frame: bytes) -> bytes:
        return b"X" + frame


# --- the one registration -------------------------------------------------------------


def _open(cfg: ReaderConfig, on_read: Callable[[Any], None]) -> LineReader:
    return LineReader(cfg.url, cfg.id, on_read, baudrate=cfg.baudrate or 9600)


def _simulate(link: Path, *, seed: int | None = None, faults: Any = None) -> SimulatedReader:
    return LineSimulator(link, seed=seed, faults=faults)


LINE = ReaderProtocol(
    name="line",
    summary="a test protocol of text lines",
    reads="tag",
    probes=True,
    open=_open,
    simulate=_simulate,
    baudrate=9600,
)
#: The same wire, listen-only: its driver never probes it, so silence is no fault.
QUIET = ReaderProtocol(
    name="line-quiet",
    summary="a listen-only test protocol",
    reads="tag",
    probes=False,
    open=_open,
    simulate=_simulate,
)


@pytest.fixture
def line_protocols() -> Iterator[None]:
    with protocols.registered(LINE), protocols.registered(QUIET):
        yield


SITE = """
[site]
id = "lab"
[[buildings]]
id = "b"
[[rooms]]
id = "inside"
building = "b"
max_level = "secret"
[[rooms]]
id = "hall"
building = "b"
kind = "passage"
max_level = "internal"
[[doors]]
id = "door-1"
inner = "inside"
outer = "hall"
inner_readers = ["d1-in"]
outer_readers = ["d1-out"]
[[readers]]
id = "d1-in"
protocol = "line"
url = "/dev/serial/by-id/usb-line-in"
heartbeat = 1.0
[[readers]]
id = "d1-out"
protocol = "line-quiet"
url = "/dev/serial/by-id/usb-line-out"
heartbeat = 1.0
"""


class ListSink:
    def __init__(self) -> None:
        self.got: list[Observation] = []
        self._lock = threading.Lock()

    def send(self, batch: Sequence[Observation]) -> None:
        with self._lock:
            self.got.extend(batch)

    def of(self, kind: str) -> list[Observation]:
        with self._lock:
            return [o for o in self.got if o.kind == kind]

    def beats(self, reader: str, since: int) -> int:
        with self._lock:
            return sum(1 for o in self.got[since:] if o.kind == "heartbeat" and o.reader == reader)


def wait_for(cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_the_site_file_knows_a_protocol_once_registered() -> None:
    data = tomllib.loads(SITE)
    with pytest.raises(ConfigError, match=r"readers\[0\].protocol: unknown protocol 'line'"):
        parse_site(data, "lab.toml")
    with protocols.registered(LINE), protocols.registered(QUIET):
        site = parse_site(data, "lab.toml")
        assert [r.protocol for r in site.readers] == ["line", "line-quiet"]
    assert "line" not in protocols.names()


def test_office_and_gateway_run_a_registered_protocol(line_protocols: None, tmp_path: Path) -> None:
    site = parse_site(tomllib.loads(SITE), "lab.toml")
    office = SimulatedOffice(site, tmp_path / "by-id").start()
    sink = ListSink()
    gateway = Gateway(
        office.site, sink, Outbox(), open_reader, GatewayOptions("gw", heartbeat_every=0.2)
    )
    try:
        assert all(isinstance(s, LineSimulator) for s in office.sims.values())
        assert office.config("d1-in").url == str(tmp_path / "by-id" / "usb-line-in")
        gateway.start()
        assert office.ready(["d1-in"])
        office.carry("door-1", "out", (EPC,))
        assert wait_for(lambda: bool(sink.of("crossing")))
        (crossing,) = sink.of("crossing")
        assert (crossing.code, crossing.door, crossing.direction) == (EPC, "door-1", "out")

        # Both readers fall silent; only the probed one is offline (its heartbeat is 1 s).
        inner, outer = office.reader("d1-in"), office.reader("d1-out")
        assert isinstance(inner, LineSimulator) and isinstance(outer, LineSimulator)
        inner.mute()
        outer.mute()
        assert wait_for(lambda: bool(sink.of("reader")), timeout=10)
        seen = len(sink.got)
        # Two more health rounds in which the quiet reader, as long silent, is healthy.
        assert wait_for(lambda: sink.beats("d1-out", seen) >= 2)
        changes = [(o.reader, o.online) for o in sink.of("reader")]
        assert changes == [("d1-in", False)]
    finally:
        gateway.stop(drain=0.5)
        office.stop()


def test_rfid_listen_reads_a_registered_protocol(line_protocols: None, tmp_path: Path) -> None:
    link = tmp_path / "usb-line"
    with LineSimulator(link, seed=1) as sim:
        assert isinstance(sim, LineSimulator)
        sim.add_tag(EPC, -41)
        result = CliRunner().invoke(
            rfid_app,
            ["listen", "--protocol", "line", "--port", str(link), "--count", "2", "--json"],
        )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["protocol"], r["id"], r["rssi"]) for r in records] == [("line", EPC, -41)] * 2


def test_sim_rfid_plays_a_registered_protocol(line_protocols: None, tmp_path: Path) -> None:
    link = tmp_path / "dev" / "usb-line"
    scene = tmp_path / "scene.toml"
    scene.write_text(
        f'[[step]]\nat = 0.0\ndo = "tag add {EPC} -44"\n[[step]]\nat = 3.0\ndo = "quit"\n',
        encoding="utf-8",
    )
    reads: list[TagRead] = []

    def read_it() -> None:
        if not wait_for(link.exists, timeout=10):
            return
        reader = LineReader(str(link), "p", reads.append, baudrate=9600)
        reader.start()
        wait_for(lambda: bool(reads), timeout=2.5)
        reader.close()

    t = threading.Thread(target=read_it)
    t.start()
    args = ["rfid", "--protocol", "line", "--link", str(link), "--scene", str(scene)]
    result = CliRunner().invoke(sim_app, args, input="")
    t.join(10)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == str(link)
    assert reads and (reads[0].epc, reads[0].rssi) == (EPC, -44)


def test_an_unknown_protocol_is_a_usage_error_naming_the_known_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        rfid_app, ["listen", "--protocol", "wiegand", "--port", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "wiegand" in result.output and "m100" in result.output


def test_the_shipped_protocols_and_what_they_promise() -> None:
    from drivers import em4100, m100

    assert protocols.names()[:3] == ("m100", "em4100", "em4100-decimal")
    assert (protocols.get("m100").reads, protocols.get("m100").probes) == ("tag", True)
    assert protocols.get("m100").baudrate == m100.BAUDRATE
    for name in ("em4100", "em4100-decimal"):
        proto = protocols.get(name)
        assert (proto.reads, proto.probes, proto.baudrate) == ("badge", False, em4100.BAUDRATE)
    with pytest.raises(ConfigError, match="twice"):
        protocols.register(protocols.get("m100"))


def test_faults_reach_the_simulator_the_registry_makes(tmp_path: Path) -> None:
    faults = Faults(noise_prob=0.5)
    sim = protocols.get("m100").simulate(tmp_path / "m100", seed=3, faults=faults)
    assert isinstance(sim, SerialDeviceSimulator) and sim.faults is faults
