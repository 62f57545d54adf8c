"""Printers: one small interface (``send(job)`` / ``status()``) and three kinds, chosen
by a URL-ish string:

* ``file:///path/dir[?format=pdf|png|zpl]`` — writes each job to a folder (spooling,
  demos, tests);
* ``tcp://host[:9100][?dpmm=8]`` — a Zebra (or compatible) on raw port 9100, sent ZPL;
  ``~HS`` is asked before and after, and the tag's EPC is read back through ``^HV``;
* ``cups://QUEUE`` — an office printer through CUPS' ``lp``, sent PDF.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from labels.content import LabelContent
from labels.errors import PrinterFault, PrinterNotResponding, RfidEncodeError
from labels.zebra import PROBLEMS, HostStatus, parse_host_status, split_frames
from tracker.domain.errors import ConfigError, DeviceUnavailable, PrinterError

logger = logging.getLogger(__name__)

KINDS = ("zpl", "pdf", "png")


@dataclass(frozen=True)
class PrintJob:
    """Bytes for a printer, their kind, a name (the serial) and the EPC the job writes."""

    data: bytes
    kind: str
    name: str = "label"
    epc: str | None = None


@dataclass(frozen=True)
class PrinterStatus:
    """A printer's state in words: ready or the conditions that stop it."""

    ready: bool
    problems: tuple[str, ...] = ()
    detail: str = ""
    host_status: HostStatus | None = None


@dataclass(frozen=True)
class PrintReceipt:
    """What a printer confirmed about a job."""

    printer: str
    name: str
    tag_epc: str | None = None  # the EPC the printer read back from the tag
    location: str | None = None  # file written or CUPS request id


class Printer(Protocol):
    """Anything that prints label jobs."""

    url: str
    kind: str  # the job kind it takes: zpl, pdf or png
    dpmm: int  # dots per mm, for ZPL rendering

    def send(self, job: PrintJob) -> PrintReceipt:
        """Print ``job``; raise a :class:`PrinterError` (or DeviceUnavailable) if not."""
        ...

    def status(self) -> PrinterStatus:
        """Ask the printer how it is."""
        ...


def fault_error(problems: list[str], when: str) -> PrinterFault:
    """A :class:`PrinterFault` listing ``problems`` in English and Chinese."""
    en = ", ".join(PROBLEMS[p][0] for p in problems)
    zh = "、".join(PROBLEMS[p][1] for p in problems)
    zh_when = {"before": "打印前", "after": "打印后", "during": "打印中"}.get(when, when)
    return PrinterFault(
        f"printer not ready {when} printing: {en}",
        zh=f"{zh_when}打印机未就绪：{zh}",
        conditions=problems,
    )


def _check_kind(printer: Printer, job: PrintJob) -> None:
    if job.kind != printer.kind:
        raise PrinterError(
            f"{printer.url} takes {printer.kind} jobs, not {job.kind}",
            zh=f"{printer.url} 只接受 {printer.kind} 格式，不接受 {job.kind}",
        )


# --- file ---------------------------------------------------------------------------


class FilePrinter:
    """Writes every job as a file into a folder (atomically: temp file then rename)."""

    def __init__(self, folder: str | Path, kind: str = "pdf", dpmm: int = 8) -> None:
        if kind not in KINDS:
            raise ConfigError(f"file printer format must be one of {KINDS}, got {kind!r}")
        self.folder = Path(folder)
        self.kind = kind
        self.dpmm = dpmm
        self.url = f"file://{self.folder}?format={kind}"
        self._seq = 0

    def send(self, job: PrintJob) -> PrintReceipt:
        """Write ``job`` to ``<folder>/<time>-<n>-<name>.<kind>``."""
        _check_kind(self, job)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._seq += 1
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", job.name)[:60] or "label"
            stem = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{self._seq:04d}-{safe}"
            target = self.folder / f"{stem}.{job.kind}"
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(job.data)
            os.replace(tmp, target)
        except OSError as exc:
            raise PrinterError(
                f"cannot write print job to {self.folder}: {exc}",
                zh=f"无法把打印作业写入 {self.folder}：{exc}",
            ) from exc
        logger.info("file printer wrote %s", target)
        return PrintReceipt(self.url, job.name, None, str(target))

    def status(self) -> PrinterStatus:
        """Ready when the folder exists (or can be made) and is writable."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return PrinterStatus(False, ("folder",), f"cannot create {self.folder}: {exc}")
        if not os.access(self.folder, os.W_OK):
            return PrinterStatus(False, ("folder",), f"{self.folder} is not writable")
        return PrinterStatus(True, (), f"writing to {self.folder}")


# --- raw TCP (ZPL) --------------------------------------------------------------------

_HV_RE = re.compile(rb"EPC\[([0-9A-Fa-f]*)\]\r?\n")


class _Link:
    """One TCP connection to a ZPL printer with a receive buffer."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.addr = f"{host}:{port}"
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:  # refused, timed out, no route
            raise DeviceUnavailable(
                f"printer at {host}:{port} unreachable: {exc}",
                zh=f"无法连接打印机 {host}:{port}：{exc}",
            ) from exc
        self.buf = bytearray()
        self.epcs: list[str] = []

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise DeviceUnavailable(
                f"printer at {self.addr} dropped the connection: {exc}",
                zh=f"打印机 {self.addr} 断开了连接：{exc}",
            ) from exc

    def _pump(self, deadline: float) -> bool:
        """Receive what is there until ``deadline``; False on timeout."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(4096)
        except TimeoutError:
            return False
        except OSError as exc:
            raise DeviceUnavailable(
                f"printer at {self.addr} failed: {exc}", zh=f"打印机 {self.addr} 通信失败：{exc}"
            ) from exc
        if not chunk:
            raise DeviceUnavailable(
                f"printer at {self.addr} closed the connection",
                zh=f"打印机 {self.addr} 关闭了连接",
            )
        self.buf += chunk
        # Host-verification lines (EPC[...]) may arrive between status strings.
        while (m := _HV_RE.search(self.buf)) is not None:
            self.epcs.append(m.group(1).decode("ascii").upper())
            del self.buf[m.start() : m.end()]
        return True

    def host_status(self, timeout: float) -> HostStatus:
        self.send(b"~HS")
        deadline = time.monotonic() + timeout
        frames: list[bytes] = []
        while len(frames) < 3:
            frames += split_frames(self.buf)
            if len(frames) >= 3:
                break
            if not self._pump(deadline):
                raise PrinterNotResponding(
                    f"printer at {self.addr} did not answer ~HS within {timeout:g} s "
                    "(Link-OS printers stay silent while media out, ribbon out or head open)",
                    zh=f"打印机 {self.addr} 在 {timeout:g} 秒内未应答状态查询"
                    "（可能缺纸、碳带用完或打印头未合上）",
                )
        return parse_host_status(frames[:3])

    def wait_epc(self, deadline: float) -> str | None:
        while not self.epcs:
            if time.monotonic() >= deadline:
                return None
            self._pump(deadline)
        return self.epcs.pop(0)


class TcpZplPrinter:
    """A Zebra-compatible printer on a raw TCP port (9100), sent ZPL.

    Before a job, ``~HS`` must show no stopping condition. After sending, the printer's
    ``^HV`` answer (``EPC[<hex>]``) is awaited while ``~HS`` is polled, so paper running
    out, the head opening, or an RFID encode failure (the printer voids the label and
    pauses, ``^RS…,E``) become clear errors instead of a hang.
    """

    def __init__(
        self,
        host: str,
        port: int = 9100,
        *,
        dpmm: int = 8,
        timeout: float = 5.0,
        print_timeout: float = 30.0,
        poll_interval: float = 0.2,
    ) -> None:
        self.host, self.port = host, port
        self.kind = "zpl"
        self.dpmm = dpmm
        self.timeout = timeout
        self.print_timeout = print_timeout
        self.poll_interval = poll_interval
        self.url = f"tcp://{host}:{port}"

    def status(self) -> PrinterStatus:
        """Ask ``~HS`` once."""
        link = _Link(self.host, self.port, self.timeout)
        try:
            hs = link.host_status(self.timeout)
        finally:
            link.close()
        problems = hs.problems()
        detail = ", ".join(PROBLEMS[p][0] for p in problems) or "ready"
        return PrinterStatus(not problems, tuple(problems), detail, hs)

    def send(self, job: PrintJob) -> PrintReceipt:
        """Send one ZPL job; return the EPC the printer read back from the tag."""
        _check_kind(self, job)
        link = _Link(self.host, self.port, self.timeout)
        try:
            before = link.host_status(self.timeout)
            if before.problems():
                raise fault_error(before.problems(), "before")
            link.send(job.data)
            tag = self._await_print(link, job) if b"^HV" in job.data else None
            after = link.host_status(self.timeout)
            if after.problems():
                raise fault_error(after.problems(), "after")
        finally:
            link.close()
        if job.epc and tag != job.epc.upper():
            raise RfidEncodeError(
                f"tag of {job.name} holds EPC {tag}, expected {job.epc}",
                zh=f"{job.name} 的标签 EPC 为 {tag}，应为 {job.epc}",
            )
        logger.info("printed %s on %s (tag %s)", job.name, self.url, tag)
        return PrintReceipt(self.url, job.name, tag)

    def _await_print(self, link: _Link, job: PrintJob) -> str:
        deadline = time.monotonic() + self.print_timeout
        while True:
            epc = link.wait_epc(min(deadline, time.monotonic() + self.poll_interval))
            if epc is not None:
                return epc
            hs = link.host_status(self.timeout)
            problems = hs.problems()
            if problems == ["paused"] and hs.formats_in_buffer > 0:
                # ^RS…,E: after the retries the printer voids the label, keeps the
                # format queued and stops; the tag was never confirmed.
                raise RfidEncodeError(
                    f"RFID encode of {job.name} failed: the printer stopped (paused, format "
                    "still queued) without confirming the tag; after failed encodes it "
                    "voids the labels and stops",
                    zh=f"{job.name} 的 RFID 标签写入失败："
                    "打印机未确认标签即暂停（作业仍在队列中），写入失败的标签已作废",
                )
            if problems:
                raise fault_error(problems, "during")
            if time.monotonic() >= deadline:
                raise RfidEncodeError(
                    f"no RFID read-back for {job.name} within {self.print_timeout:g} s",
                    zh=f"{self.print_timeout:g} 秒内未收到 {job.name} 的 RFID 回读结果",
                )


# --- CUPS (PDF) ---------------------------------------------------------------------


class CupsPrinter:
    """An office printer queue through CUPS' command-line client (``lp``)."""

    def __init__(self, queue: str, *, timeout: float = 30.0) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.@-]+", queue):
            raise ConfigError(f"invalid CUPS queue name {queue!r}")
        self.queue = queue
        self.kind = "pdf"
        self.dpmm = 12
        self.timeout = timeout
        self.url = f"cups://{queue}"

    def _exe(self, name: str) -> str:
        exe = shutil.which(name)
        if exe is None:
            raise PrinterError(
                f"{name} not found: install the Debian package cups-client to print to {self.url}",
                zh=f"找不到 {name}：请安装 Debian 软件包 cups-client 以便打印到 {self.url}",
            )
        return exe

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                args, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise DeviceUnavailable(
                f"{args[0]} did not finish within {self.timeout:g} s",
                zh=f"{args[0]} 在 {self.timeout:g} 秒内未完成",
            ) from exc

    def send(self, job: PrintJob) -> PrintReceipt:
        """``lp -d QUEUE -t NAME file.pdf``; returns the CUPS request id."""
        _check_kind(self, job)
        lp = self._exe("lp")
        with tempfile.NamedTemporaryFile(suffix=".pdf", prefix="label-") as fh:
            fh.write(job.data)
            fh.flush()
            done = self._run([lp, "-d", self.queue, "-t", job.name, fh.name])
        if done.returncode != 0:
            text = (done.stderr or done.stdout).strip()
            cls = (
                DeviceUnavailable if "not running" in text or "responding" in text else PrinterError
            )
            raise cls(
                f"lp refused the job for {self.url}: {text}",
                zh=f"lp 拒绝了发往 {self.url} 的作业：{text}",
            )
        m = re.search(r"request id is (\S+)", done.stdout)
        return PrintReceipt(self.url, job.name, None, m.group(1) if m else None)

    def status(self) -> PrinterStatus:
        """``lpstat -p QUEUE``: idle / printing is ready; disabled or missing is not."""
        done = self._run([self._exe("lpstat"), "-p", self.queue])
        text = (done.stdout or done.stderr).strip()
        if done.returncode != 0 or "disabled" in text:
            return PrinterStatus(False, ("queue",), text)
        return PrinterStatus(True, (), text)


# --- choosing a printer ---------------------------------------------------------------


def open_printer(url: str) -> FilePrinter | TcpZplPrinter | CupsPrinter:
    """The printer named by ``url`` (``file://``, ``tcp://``, ``cups://``)."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        dpmm = int(query.get("dpmm", "8"))
    except ValueError as exc:
        raise ConfigError(f"printer {url}: dpmm must be a number") from exc
    if parts.scheme == "file":
        folder = unquote(parts.path)
        if not folder:
            raise ConfigError(
                f"printer {url}: file:// needs a folder, e.g. file:///var/spool/labels"
            )
        return FilePrinter(folder, query.get("format", "pdf"), dpmm)
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise ConfigError(f"printer {url}: tcp:// needs a host, e.g. tcp://10.0.0.5:9100")
        return TcpZplPrinter(
            parts.hostname,
            parts.port or 9100,
            dpmm=dpmm,
            print_timeout=float(query.get("print_timeout", "30")),
        )
    if parts.scheme == "cups":
        queue = parts.netloc or parts.path.strip("/")
        if not queue:
            raise ConfigError(f"printer {url}: cups:// needs a queue name, e.g. cups://Office")
        return CupsPrinter(queue)
    raise ConfigError(f"unknown printer {url!r}: use file:///dir, tcp://host:9100 or cups://QUEUE")


def render_job(printer: Printer, content: LabelContent) -> PrintJob:
    """Render ``content`` in the kind ``printer`` takes."""
    if printer.kind == "zpl":
        from labels.render_zpl import render_zpl

        return PrintJob(render_zpl(content, printer.dpmm), "zpl", content.serial, content.epc)
    if printer.kind == "pdf":
        from labels.render_pdf import render_pdf

        return PrintJob(render_pdf([content]), "pdf", content.serial, content.epc)
    from labels.render_png import render_png

    return PrintJob(render_png(content), "png", content.serial, content.epc)
