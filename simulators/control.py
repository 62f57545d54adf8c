"""Driving a running simulated office from another process: a Unix socket (local only,
mode 0600) taking one JSON command per connection and answering one JSON line.

Commands: ``carry`` (door, direction, tags, badges), ``put`` / ``take`` (safe, tag),
``unplug`` (reader, seconds), ``show`` (camera, code, seconds), ``status``, ``relays``
(what each simulated relay board was told, with times).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulators.camera_show import ShowCamera
from simulators.office import SimulatedOffice
from tracker.domain.errors import DeviceUnavailable, InvalidInput, TrackerError

logger = logging.getLogger(__name__)


class ControlServer:
    """Serves commands for ``office`` (its cameras and door-alarm relay boards) on the
    socket at ``path``."""

    def __init__(
        self,
        office: SimulatedOffice,
        path: str | Path,
        cameras: Mapping[str, ShowCamera] = {},
        outputs: Mapping[str, Any] = {},
    ) -> None:
        self.office, self.path, self.cameras = office, Path(path), dict(cameras)
        self.outputs = dict(outputs)
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ControlServer:
        """Listen on the socket."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(self.path))
        os.chmod(self.path, 0o600)  # only this user drives the simulated office
        sock.listen(8)
        sock.settimeout(0.2)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="sim-control", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and remove the socket."""
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        if self._sock:
            self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    raw = conn.makefile("rb").readline(65536)
                    answer = self.handle(json.loads(raw or b"{}"))
                except (ValueError, TrackerError, KeyError) as exc:
                    answer = {"ok": False, "error": str(exc)}
                except OSError:
                    continue
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps(answer, ensure_ascii=False).encode() + b"\n")

    def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Carry out one command."""
        op = cmd.get("cmd")
        o = self.office
        if op == "carry":
            direction = cmd.get("direction")
            if direction not in ("in", "out"):
                raise InvalidInput("direction", "must be in or out")
            o.carry(
                str(cmd["door"]),
                direction,
                tuple(cmd.get("tags", ())),
                tuple(cmd.get("badges", ())),
            )
        elif op == "put":
            o.put_in_safe(str(cmd["safe"]), str(cmd["tag"]))
        elif op == "take":
            o.take_from_safe(str(cmd["safe"]), str(cmd["tag"]))
        elif op == "lay":  # on a reading desk (R16)
            o.lay_on_desk(str(cmd["desk"]), str(cmd["tag"]))
        elif op == "lift":
            o.take_from_desk(str(cmd["desk"]), str(cmd["tag"]))
        elif op == "badge":
            o.badge_at_desk(str(cmd["desk"]), str(cmd["badge"]), float(cmd.get("seconds", 1.0)))
        elif op == "unplug":
            o.reader(str(cmd["reader"])).unplug(float(cmd.get("seconds", 10)))
        elif op == "show":
            cam = self.cameras.get(str(cmd["camera"]))
            if cam is None:
                raise InvalidInput("camera", f"no simulated camera {cmd['camera']!r}")
            cam.show(str(cmd["code"]), float(cmd.get("seconds", 1.5)))
        elif op == "status":
            return {
                "ok": True,
                "readers": {r: s.url for r, s in o.sims.items()},
                "cameras": sorted(self.cameras),
                "outputs": sorted(self.outputs),
            }
        elif op == "relays":
            last = int(cmd.get("last", 20))
            return {"ok": True, "outputs": {o: b.report(last) for o, b in self.outputs.items()}}
        else:
            raise InvalidInput("cmd", f"unknown command {op!r}")
        return {"ok": True}


def send(path: str | Path, cmd: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """Send one command to a running simulated office and return its answer."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        sock.sendall(json.dumps(cmd).encode() + b"\n")
        data = sock.makefile("rb").readline()
    except OSError as exc:
        raise DeviceUnavailable(
            f"no simulated office is listening at {path} (start `tracker serve --simulate`)",
            zh=f"{path} 没有运行中的模拟办公室（请先运行 `tracker serve --simulate`）",
        ) from exc
    finally:
        sock.close()
    answer: dict[str, Any] = json.loads(data or b"{}")
    return answer
