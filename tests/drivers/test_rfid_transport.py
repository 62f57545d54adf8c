"""The reconnecting transport over real sockets (``socket://``) and bad URLs."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from drivers.errors import PortUnavailable
from drivers.m100 import M100Framer, TagNotification
from drivers.transport import Backoff, SerialTransport
from tracker.domain.errors import DeviceUnavailable

GOLDEN = bytes.fromhex("BB 02 22 00 11 C9 34 00 30 75 1F EB 70 5C 59 04 E3 D5 0D 70 3A 76 EF 7E")


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


class Server:
    """A TCP "reader": each connection gets ``script`` (bytes, or a float = pause), then
    is closed if ``hang_up``; bytes the host sends are recorded."""

    def __init__(self, script: list[bytes | float], hang_up: bool = True) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.script = script
        self.hang_up = hang_up
        self.connections = 0
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(0.05)
                for item in self.script:
                    if isinstance(item, float):
                        time.sleep(item)
                    else:
                        conn.sendall(item)
                    with contextlib.suppress(TimeoutError, OSError):
                        self.received += conn.recv(4096)
                while not self.hang_up and not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    if not data:
                        break
                    self.received += data

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(script: list[bytes | float], hang_up: bool = True) -> Server:
        servers.append(Server(script, hang_up))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def test_backoff_doubles_up_to_the_cap() -> None:
    step = Backoff(initial=0.1, maximum=5.0).delays()
    assert [round(step(), 3) for _ in range(9)] == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]


def test_frames_over_a_socket_and_reconnect_after_hang_up(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory([GOLDEN[:5], 0.02, GOLDEN[5:] + GOLDEN[:3], 0.02, GOLDEN[3:]])
    framer = M100Framer()
    got: list[object] = []
    connects = []
    transport = SerialTransport(
        f"socket://127.0.0.1:{server.port}",
        baudrate=115200,
        on_data=lambda d: got.extend(framer.feed(d)),
        on_connect=lambda: connects.append(time.monotonic()),
        backoff=Backoff(0.01, 0.05),
    )
    transport.start()
    try:
        # Each connection delivers two frames, then the "reader" hangs up.
        assert wait_for(lambda: len(got) >= 4 and transport.status().reconnects >= 1)
        assert all(isinstance(m, TagNotification) for m in got)
        assert len(connects) >= 2
        status = transport.status()
        assert status.last_byte_at is not None
        assert status.url.startswith("socket://")
    finally:
        transport.close()
    assert not transport.status().connected


def test_write_reaches_the_device(server_factory: Callable[..., Server]) -> None:
    server = server_factory([], hang_up=False)
    transport = SerialTransport(
        f"socket://127.0.0.1:{server.port}", baudrate=115200, on_data=lambda d: None
    )
    transport.start(require_port=True)
    try:
        transport.write(b"\xbb\x00\x28\x00\x00\x28\x7e")
        assert wait_for(lambda: bytes(server.received) == b"\xbb\x00\x28\x00\x00\x28\x7e")
    finally:
        transport.close()
    with pytest.raises(DeviceUnavailable):
        transport.write(b"x")


@pytest.mark.parametrize(
    "url",
    ["socket://127.0.0.1:1", "rfc2217://127.0.0.1:1", "/dev/does-not-exist", "nosuch://x"],
)
def test_unopenable_port_is_a_clear_error(url: str) -> None:
    transport = SerialTransport(url, baudrate=9600, on_data=lambda d: None)
    with pytest.raises(PortUnavailable) as err:
        transport.start(require_port=True)
    assert url in str(err.value)
    assert "无法打开" in err.value.zh
    transport.close()


def test_keeps_retrying_until_the_device_appears() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    got = bytearray()
    transport = SerialTransport(
        f"socket://127.0.0.1:{port}",
        baudrate=115200,
        on_data=got.extend,
        backoff=Backoff(0.01, 0.05),
    )
    transport.start()
    try:
        assert wait_for(lambda: transport.status().failed_opens >= 3)
        assert not transport.status().connected
        late = socket.create_server(("127.0.0.1", port))
        try:
            conn_box: list[socket.socket] = []
            threading.Thread(target=lambda: conn_box.append(late.accept()[0]), daemon=True).start()
            assert wait_for(lambda: transport.status().connected and bool(conn_box))
            conn_box[0].sendall(GOLDEN)
            assert wait_for(lambda: bytes(got) == GOLDEN)
            conn_box[0].close()
        finally:
            late.close()
    finally:
        transport.close()


def test_a_failing_callback_does_not_stop_the_read_loop(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory([b"first", 0.05, b"second"], hang_up=False)
    seen: list[bytes] = []

    def on_data(data: bytes) -> None:
        seen.append(data)
        if data.startswith(b"first"):
            raise RuntimeError("consumer bug")

    transport = SerialTransport(
        f"socket://127.0.0.1:{server.port}", baudrate=115200, on_data=on_data
    )
    transport.start()
    try:
        assert wait_for(lambda: b"second" in b"".join(seen))
    finally:
        transport.close()


def test_close_is_prompt_and_idempotent(server_factory: Callable[..., Server]) -> None:
    server = server_factory([], hang_up=False)
    transport = SerialTransport(
        f"socket://127.0.0.1:{server.port}", baudrate=115200, on_data=lambda d: None
    )
    transport.start()
    assert transport.wait_connected(5.0)
    transport.close()
    transport.close()
    assert not transport.status().connected
    assert not any(t.name.startswith("transport socket://127.0.0.1") for t in threading.enumerate())
