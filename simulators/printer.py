"""A Zebra-like ZPL RFID label printer on TCP, for tests and the demo.

What it emulates (facts from the ZPL II and Zebra RFID programming guides):

* Raw port 9100 (here ``127.0.0.1`` and port 0 = ephemeral unless told otherwise);
  several jobs per connection; ``~DY`` downloads kept by path (``R:NAME.TTF``).
* ``~HS`` is answered with the three ``<STX>…<ETX><CR><LF>`` strings of the manual
  (paper out, pause, formats in buffer, head up, ribbon out …). With
  ``silent_when_faulted=True`` it behaves like Link-OS firmware, which does not answer
  ``~HS`` while media is out, the ribbon is out or the head is open.
* A format is printed at once unless paper is out, the head is open, the ribbon is out
  or the printer is paused; then it waits in the receive buffer (``formats in buffer``)
  and prints when the condition is cleared.
* RFID: ``^RFW,H`` writes the EPC bank of the label's (simulated) tag, which is appended
  to :attr:`PrinterSimulator.tags` and passed to ``on_tag`` callbacks — the thing a desk
  RFID reader simulation can "see". ``^FNn^RFR,H`` reads the tag back into field n and
  ``^HVn,len,header,terminator`` returns it to the host (``EPC[<hex>]\\r\\n``).
* A failed encode (:meth:`fail_rfid`) is handled as ``^RSt,p,v,n,e`` says: the printer
  prints VOID over the label and tries the next one, ``n`` labels in all (default 3);
  then with ``e=E`` (error mode) or ``e=P`` (pause) it stops with the format left in
  the buffer — visible as pause flag 1 and formats-in-buffer 1 in ``~HS``, and no
  ``^HV`` answer — and with ``e=N`` it drops the format. How a real printer shows its
  error mode in ``~HS`` is not documented; using the pause flag is our approximation.
* ``~PS`` resumes, ``~JA`` cancels every queued format.

The simulator keeps every job (:attr:`jobs`) with its parsed fields, voided-label
count and any font problem (text in an ``^A@`` font that was never downloaded or lacks
a glyph — what would print as blanks).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from labels.zebra import HostStatus, format_host_status
from labels.zpl import Control, Download, Format, ParsedFormat, ZplStream, parse_format
from labels.zpl_preview import missing_glyphs
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimulatedTag:
    """An RFID tag the simulator encoded: its EPC, the job that wrote it, and when."""

    epc: str
    job: int
    at: float


@dataclass
class SimJob:
    """One label format the simulator received, and what became of it."""

    index: int
    raw: bytes
    parsed: ParsedFormat
    state: str = "queued"  # queued, printed, rfid_failed, dropped, cancelled
    voided_labels: int = 0
    tag_epc: str | None = None
    font_problems: list[str] = field(default_factory=list)
    fonts: dict[str, bytes] = field(default_factory=dict)
    reply: Callable[[bytes], None] | None = None

    def job_bytes(self) -> bytes:
        """The job as sent: the ``~DY`` downloads it uses, then the format."""
        out = b""
        for path, data in self.fonts.items():
            device, _, name = path.partition(":")
            out += f"~DY{device}:{name},B,T,{len(data)},,".encode("ascii") + data + b"\n"
        return out + self.raw


class PrinterSimulator:
    """A thread-based ZPL printer on TCP. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        silent_when_faulted: bool = False,
    ) -> None:
        self.host = host
        self._want_port = port
        self.port = 0
        self.silent_when_faulted = silent_when_faulted
        self.jobs: list[SimJob] = []
        self.tags: list[SimulatedTag] = []
        self.fonts: dict[str, bytes] = {}
        self.controls: list[Control] = []
        self.on_tag: list[Callable[[SimulatedTag], None]] = []
        self._status = HostStatus()
        self._rfid_failures = 0  # encodes still to fail; -1 = all
        self._rfid_override: str | None = None
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> PrinterSimulator:
        """Listen and serve in background threads; :attr:`port` is the bound port."""
        server = socket.create_server((self.host, self._want_port))
        server.settimeout(0.1)
        self._server = server
        self.port = server.getsockname()[1]
        thread = threading.Thread(target=self._accept_loop, name="printer-sim", daemon=True)
        thread.start()
        self._threads.append(thread)
        logger.info("printer simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Close every connection and stop the threads."""
        self._stop.set()
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(timeout=2)
        if self._server is not None:
            self._server.close()

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``tcp://host:port`` for :func:`labels.printers.open_printer`."""
        return f"tcp://{self.host}:{self.port}"

    # --- faults a test or demo can cause --------------------------------------------

    def set_paper_out(self, out: bool = True) -> None:
        """Run out of labels (or load them again, which prints what was waiting)."""
        self._set(paper_out=out)

    def set_head_open(self, open_: bool = True) -> None:
        """Open (or close) the print head."""
        self._set(head_up=open_)

    def set_ribbon_out(self, out: bool = True) -> None:
        """Run out of ribbon (or load it)."""
        self._set(ribbon_out=out)

    def pause(self) -> None:
        """Press PAUSE."""
        self._set(paused=True)

    def resume(self) -> None:
        """Press PAUSE again (same as ``~PS``)."""
        self._set(paused=False)

    def fail_rfid(self, times: int = -1) -> None:
        """Make the next ``times`` tag encodes fail (-1: every one; 0: none)."""
        with self._lock:
            self._rfid_failures = times

    def write_wrong_epc(self, epc: str | None) -> None:
        """Make the encoder write ``epc`` instead of what the job asks (a bad tag)."""
        with self._lock:
            self._rfid_override = epc

    def status(self) -> HostStatus:
        """The state ``~HS`` would report now."""
        with self._lock:
            queued = sum(1 for j in self.jobs if j.state in ("queued", "rfid_failed"))
            return self._status.with_(formats_in_buffer=queued)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate()`` holds (checked on every change) or ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def _set(self, **flags: bool) -> None:
        with self._lock:
            self._status = self._status.with_(**flags)
            self._run_queue()
            self._changed.notify_all()

    # --- serving --------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.settimeout(0.1)
            with self._lock:
                self._clients.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn: socket.socket) -> None:
        stream = ZplStream()
        send_lock = threading.Lock()

        def reply(data: bytes) -> None:
            with send_lock:
                try:
                    conn.sendall(data)
                except OSError:
                    logger.debug("client went away before a reply")

        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                for item in stream.feed(chunk):
                    self._handle(item, reply)
        finally:
            with self._lock:
                if conn in self._clients:
                    self._clients.remove(conn)
            conn.close()

    def _handle(self, item: Download | Control | Format, reply: Callable[[bytes], None]) -> None:
        with self._lock:
            if isinstance(item, Download):
                self.fonts[item.path] = item.data
            elif isinstance(item, Control):
                self.controls.append(item)
                self._control(item, reply)
            else:
                self._receive(item, reply)
            self._changed.notify_all()

    def _control(self, item: Control, reply: Callable[[bytes], None]) -> None:
        if item.code == "HS":
            st = self.status()
            if self.silent_when_faulted and (st.paper_out or st.head_up or st.ribbon_out):
                return
            reply(format_host_status(st))
        elif item.code == "PS":
            self._status = self._status.with_(paused=False)
            for job in self.jobs:
                if job.state == "rfid_failed":
                    job.state = "queued"
            self._run_queue()
        elif item.code == "JA":
            for job in self.jobs:
                if job.state in ("queued", "rfid_failed"):
                    job.state = "cancelled"
        else:
            logger.debug("ignoring control command ~%s%s", item.code, item.params)

    def _receive(self, fmt: Format, reply: Callable[[bytes], None]) -> None:
        try:
            parsed = parse_format(fmt)
        except (LabelError, ValueError) as exc:  # a bad job must not kill the connection
            logger.warning("unparsable format: %s", exc)
            return
        used = {path: self.fonts[path] for path in parsed.fonts if path in self.fonts}
        job = SimJob(
            len(self.jobs),
            fmt.raw,
            parsed,
            font_problems=missing_glyphs(parsed, used),
            fonts=used,
            reply=reply,
        )
        if parsed.length:
            self._status = self._status.with_(label_length=parsed.length)
        self.jobs.append(job)
        self._run_queue()

    def _can_print(self) -> bool:
        s = self._status
        return not (s.paper_out or s.head_up or s.ribbon_out or s.paused)

    def _run_queue(self) -> None:
        for job in self.jobs:
            if job.state != "queued":
                continue
            if not self._can_print():
                return
            self._print(job)

    def _print(self, job: SimJob) -> None:
        p = job.parsed
        for _ in range(p.quantity):
            epc = p.rfid_writes[-1] if p.rfid_writes else None
            if epc is not None:
                if self._rfid_failures != 0:
                    if self._rfid_failures > 0:
                        self._rfid_failures -= 1
                    job.voided_labels += p.rfid_retries
                    action = p.rfid_error_action
                    if action in ("E", "P"):
                        job.state = "rfid_failed"
                        self._status = self._status.with_(paused=True)
                    else:
                        job.state = "dropped"
                    logger.info("job %d: RFID encode failed, %s", job.index, job.state)
                    return
                written = self._rfid_override or epc
                job.tag_epc = written
                tag = SimulatedTag(written, job.index, time.time())
                self.tags.append(tag)
                for callback in list(self.on_tag):
                    try:
                        callback(tag)
                    except Exception:  # a listener's bug must not stop the printer
                        logger.exception("on_tag callback failed")
            for hv in p.verifies:
                if hv.number in p.rfid_reads and job.tag_epc and job.reply:
                    data = job.tag_epc[: hv.length]
                    job.reply(f"{hv.header}{data}{hv.terminator}".encode())
        job.state = "printed"
        logger.info("job %d printed (tag %s)", job.index, job.tag_epc)


def main(argv: list[str] | None = None) -> None:
    """Run a printer simulator until interrupted (``python -m simulators.printer``)."""
    parser = argparse.ArgumentParser(description="ZPL RFID printer simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sim = PrinterSimulator(args.host, args.port).start()
    print(f"printer simulator on {sim.url}", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
