"""An HTTP MJPEG camera on 127.0.0.1, like a cheap network camera.

:class:`MjpegServer` serves ``multipart/x-mixed-replace`` JPEG frames from a frame
function (index → BGR ndarray) at a fixed rate on every GET, so the real opencv / FFmpeg
network path reads it exactly as it would a camera. It can be *killed* (listener closed
and every open stream cut — a dead camera) and *revived* on the same port, or *paused*
(connections stay open but no frame comes — a hung camera).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

logger = logging.getLogger(__name__)

BOUNDARY = "frame"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: MjpegServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("mjpeg %s: " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._register(self.connection)
        try:
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            owner._stream(self.wfile)
        except OSError:
            pass  # the client went away or the server was killed: both end this stream
        finally:
            owner._unregister(self.connection)


class MjpegServer:
    """Serve frames as an MJPEG stream at ``url``; ``frame_at(i)`` makes frame ``i``."""

    def __init__(
        self,
        frame_at: Callable[[int], np.ndarray],
        *,
        fps: float = 15.0,
        port: int = 0,
        quality: int = 90,
        loop: int | None = None,
    ) -> None:
        self.frame_at = frame_at
        self.fps = fps
        self.quality = quality
        self.loop = loop  # frames cycle with this period (reuse encoded JPEGs)
        self.port = port
        self.frames_sent = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._cache: dict[int, bytes] = {}
        self._index = 0

    @property
    def url(self) -> str:
        """The stream URL (valid once started)."""
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def start(self) -> MjpegServer:
        """Listen (again, on the same port after a kill) and serve in a thread."""
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", self.port), self)
        self.port = self._server.server_address[1]
        self._running.set()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="mjpeg-sim",
            daemon=True,
        )
        self._thread.start()
        logger.info("MJPEG camera simulator at %s", self.url)
        return self

    def kill(self) -> None:
        """Stop listening and cut every open stream (a camera that died)."""
        self._running.clear()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            clients = list(self._clients)
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    stop = kill

    def revive(self) -> MjpegServer:
        """Come back on the same port after :meth:`kill`."""
        return self.start()

    def pause(self) -> None:
        """Keep connections open but send nothing (a hung camera)."""
        self._unpaused.clear()

    def resume(self) -> None:
        """Send frames again after :meth:`pause`."""
        self._unpaused.set()

    def __enter__(self) -> MjpegServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()

    # --- streaming -------------------------------------------------------------------

    def _register(self, conn: socket.socket) -> None:
        with self._lock:
            self._clients.add(conn)

    def _unregister(self, conn: socket.socket) -> None:
        with self._lock:
            self._clients.discard(conn)

    def _jpeg(self, index: int) -> bytes:
        key = index % self.loop if self.loop else index
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        ok, buf = cv2.imencode(".jpg", self.frame_at(key), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise RuntimeError(f"JPEG encoding of frame {key} failed")
        data = buf.tobytes()
        if self.loop:
            self._cache[key] = data
        return data

    def _stream(self, out: object) -> None:
        write = out.write  # type: ignore[attr-defined]
        flush = out.flush  # type: ignore[attr-defined]
        interval = 1.0 / self.fps
        next_at = time.monotonic()
        while self._running.is_set():
            if not self._unpaused.is_set():
                self._unpaused.wait(0.05)
                next_at = time.monotonic()
                continue
            with self._lock:
                index = self._index
                self._index += 1
            data = self._jpeg(index)
            head = (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode("ascii")
            write(head + data + b"\r\n")
            flush()
            self.frames_sent += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()
