"""Driver-level errors, all inside the project's one tree (:mod:`tracker.domain.errors`)."""

from __future__ import annotations

from tracker.domain.errors import DeviceUnavailable, FrameError


class BadFrame(FrameError):
    """Bytes that looked like a frame but fail a check; ``reason`` is a short tag
    (``checksum``, ``end_byte``, ``crc``, ``epc_length``, ...) used to count drops."""

    code = "bad_frame"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, zh=f"无效数据帧（{reason}）：{message}")
        self.reason = reason


class PortUnavailable(DeviceUnavailable):
    """A serial port (or socket / RFC 2217 URL) cannot be opened or has gone away."""

    code = "port_unavailable"

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(
            f"cannot open reader port {url}: {detail}",
            zh=f"无法打开读卡器端口 {url}：{detail}",
        )
        self.url = url
