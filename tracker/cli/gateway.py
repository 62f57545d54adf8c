"""``tracker gateway``: run the door and safe logic for real (or simulated) readers."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.domain.errors import InvalidInput

if TYPE_CHECKING:
    from tracker.gateway.runner import Gateway
    from tracker.gateway.table import TableStore

logger = logging.getLogger(__name__)


def gateway(
    site: Annotated[Path, typer.Option(help="The site TOML file.")],
    door: Annotated[
        list[str] | None, typer.Option(help="Run only this door (repeat); default all.")
    ] = None,
    safe: Annotated[list[str] | None, typer.Option(help="Run only this safe (repeat).")] = None,
    desk: Annotated[
        list[str] | None, typer.Option(help="Run only this reading desk (repeat; R16).")
    ] = None,
    gateway_id: Annotated[str, typer.Option("--id", help="This gateway's name.")] = "gateway",
    server: Annotated[
        str | None,
        typer.Option(
            help="Custody service URL; observations go over HTTP with a device token "
            "from TRACKER_DEVICE_TOKEN. Default: straight into the database."
        ),
    ] = None,
    events: Annotated[
        str | None,
        typer.Option(
            help="Where observations go instead of --server: an MQTT broker "
            "(mqtt://host:1883, mqtts://host:8883; QoS 1 on this device's topic) or "
            "another http(s):// service URL. The table still comes from --server."
        ),
    ] = None,
    outbox: Annotated[
        Path | None, typer.Option(help="Outbox file (default data/outbox-<id>.sqlite).")
    ] = None,
    seconds: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run until Ctrl-C).")
    ] = None,
) -> None:
    """Run the readers of a site's doors, safes and reading desks and report what they see."""
    from drivers.camera.stills import encode_jpeg
    from tracker.bootstrap import attach_evidence_cameras, build, open_reader
    from tracker.config import load_site
    from tracker.gateway.mqtt import is_mqtt
    from tracker.gateway.outbox import Outbox
    from tracker.gateway.runner import Gateway, GatewayOptions
    from tracker.gateway.sinks import ServiceSink, Sink, sink_for
    from tracker.gateway.table import HttpFeed, ServiceFeed, TableSource, TableStore
    from tracker.services import authz

    the_site = load_site(site)
    known = {d.door.id for d in the_site.doors}
    for d in door or []:
        if d not in known:
            raise InvalidInput("door", f"no door {d!r} in {site}", zh=f"站点文件中没有门 {d!r}")
    for k in desk or []:
        if k not in {x.id for x in the_site.desks}:
            raise InvalidInput(
                "desk", f"no reading desk {k!r} in {site}", zh=f"站点文件中没有阅文桌 {k!r}"
            )
    sink: Sink
    feed: TableSource | None
    if server or events:
        token = os.environ.get("TRACKER_DEVICE_TOKEN", "")
        if not token:
            raise InvalidInput(
                "TRACKER_DEVICE_TOKEN",
                "set the device token made by `tracker device add`",
                zh="请设置 `tracker device add` 生成的设备令牌",
            )
        target = events or server
        assert target is not None
        sink = sink_for(target, token)
        feed = HttpFeed(server, token) if server and not is_mqtt(server) else None
    else:
        services = build(site_file=site, load=False).services
        sink = ServiceSink(services, f"device:{gateway_id}")
        feed = ServiceFeed(authz.feed(services))
    table = TableStore(Path("data") / f"authz-{gateway_id}.json")
    box = Outbox(outbox or Path("data") / f"outbox-{gateway_id}.sqlite")
    options = GatewayOptions(
        gateway_id,
        doors=frozenset(door) if door else None,
        safes=frozenset(safe) if safe else None,
        desks=frozenset(desk) if desk else None,
    )
    gw = Gateway(
        the_site, sink, box, open_reader, options, table=table, feed=feed, encode=encode_jpeg
    ).start()
    cameras = attach_evidence_cameras(gw)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    zh = not os.environ.get("TRACKER_LANG", "zh").startswith("en")
    typer.echo(
        f"网关 {gateway_id}：{len(gw.readers_cfg)} 台读写器，按 Ctrl-C 停止"
        if zh
        else f"gateway {gateway_id}: {len(gw.readers_cfg)} readers; Ctrl-C to stop"
    )
    if cameras:
        names = ", ".join(cameras)
        typer.echo(
            f"报警取证摄像头：{names}" if zh else f"door cameras kept for alarm stills: {names}"
        )
    typer.echo(_table_line(table, zh))
    if feed is None:
        typer.echo(
            "未指定服务地址（--server http…）：门禁告警按最后保存的授权表判断"
            if zh
            else "no service URL (--server http…): door alarms decide on the last saved table"
        )
    try:
        _watch_table(gw, stop, seconds, zh)
    except KeyboardInterrupt:
        pass
    finally:
        gw.stop()
        close = getattr(sink, "close", None)
        if close is not None:
            close()
        pending, dead = box.counts()
        typer.echo(
            f"已停止；{pending} 条观测仍在队列中，{dead} 条被拒绝"
            if zh
            else f"stopped; {pending} observation(s) still queued, {dead} refused"
        )
        typer.echo(_table_line(table, zh))


def _watch_table(gw: Gateway, stop: threading.Event, seconds: float | None, zh: bool) -> None:
    """Wait for ``stop`` or ``seconds``, printing the table line on every new version and
    when the table goes stale or is fresh again."""
    deadline = None if seconds is None else time.monotonic() + seconds
    shown = (gw.table.version, gw.table_fresh)
    while deadline is None or time.monotonic() < deadline:
        wait = 0.5 if deadline is None else min(0.5, max(0.0, deadline - time.monotonic()))
        if stop.wait(wait):
            return
        now = (gw.table.version, gw.table_fresh)
        if now != shown:
            shown = now
            typer.echo(_table_line(gw.table, zh, stale=not gw.table_fresh))


def _table_line(table: TableStore, zh: bool, *, stale: bool = False) -> str:
    """The authorization table's version and age, as ``tracker gateway`` prints them."""
    version, age = table.version, table.age()
    if version is None:
        return "尚无授权表（等待服务端下发）" if zh else "no authorization table yet"
    secs = f"{age:.0f}" if age is not None else "?"
    if zh:
        return f"授权表 第{version}版，{secs} 秒前确认" + (
            "（已过期：服务端失联）" if stale else ""
        )
    return f"authorization table v{version}, confirmed {secs} s ago" + (
        " (stale: the service is out of reach)" if stale else ""
    )
