"""The device end of a real pseudo-terminal, reachable at a stable symlink.

A simulator writes the device's bytes to the pty master; a driver opens the slave by the
symlink path exactly as it would open ``/dev/serial/by-id/usb-...``. Unplugging closes
the master (the driver's next read fails as on a real unplug) and removes the link;
plugging in again makes a NEW pty and points the same link at it.

Not thread-safe: one simulator thread owns a link.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import tty
from pathlib import Path

logger = logging.getLogger(__name__)


class PtyLink:
    """A pty whose slave is published at ``link`` (parent directories are created)."""

    def __init__(self, link: str | os.PathLike[str], *, write_wait: float = 0.2) -> None:
        self.link = Path(link)
        self._write_wait = write_wait
        self._master: int | None = None
        self._slave: int | None = None
        self.dropped_bytes = 0
        self.plug()

    @property
    def plugged(self) -> bool:
        """True while the pty exists and the link points at it."""
        return self._master is not None

    @property
    def slave_name(self) -> str | None:
        """The ``/dev/pts/N`` the link points at, while plugged."""
        return os.ttyname(self._slave) if self._slave is not None else None

    def fileno(self) -> int | None:
        """The master's file descriptor while plugged (for a simulator that waits on
        several links at once)."""
        return self._master

    def plug(self) -> None:
        """Create a fresh raw-mode pty and point the link at its slave (atomically)."""
        if self.plugged:
            return
        master, slave = os.openpty()
        # The simulator keeps the slave open too: then the master never reads EIO while
        # no driver has the port open, like a device that is powered but not listened to.
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.link.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.link)
        logger.debug("pty %s plugged at %s", os.ttyname(slave), self.link)

    def unplug(self) -> None:
        """Close the pty (the driver sees a disconnect) and remove the link."""
        if self._master is None:
            return
        name = self.slave_name
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        try:
            # Only remove the link if it is still ours (someone may have repointed it).
            if os.readlink(self.link) == name:
                self.link.unlink()
        except OSError:
            logger.debug("link %s already gone", self.link)
        logger.debug("pty at %s unplugged", self.link)

    close = unplug

    def read(self, timeout: float, *, wake: int | None = None) -> bytes:
        """Bytes the driver wrote, waiting up to ``timeout`` s; ``b""`` when none. A
        readable ``wake`` descriptor (another thread wants the simulator's attention)
        ends the wait early; the caller drains it."""
        if self._master is None:
            return b""
        fds = [self._master] if wake is None else [self._master, wake]
        ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        if self._master not in ready:
            return b""
        try:
            return os.read(self._master, 4096)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""
            raise

    def write(self, data: bytes) -> int:
        """Write ``data`` to the driver; returns bytes written. If the driver does not
        drain the pty within ``write_wait`` the rest is discarded (a UART with nobody
        listening loses bytes too) and counted in ``dropped_bytes``."""
        if self._master is None:
            self.dropped_bytes += len(data)
            return 0
        view = memoryview(data)
        done = 0
        while done < len(view):
            try:
                done += os.write(self._master, view[done:])
            except BlockingIOError:
                _, ready, _ = select.select([], [self._master], [], self._write_wait)
                if not ready:
                    break
        self.dropped_bytes += len(view) - done
        return done
