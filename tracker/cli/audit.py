"""``tracker audit``: check the custody ledger (R14) or, with ``--log admin``, the
administration log, and print a chain's head for the record.

``verify`` walks the whole hash chain and exits 0 when it is intact, 1 naming the first
entry that was edited, removed, inserted or reordered (or a cut-off end, a changed head,
or a difference from the head an officer recorded), 2 when it cannot run. ``head``
prints the entry count and the last hash, for an officer to write down outside the
system and pass back later as ``--expect-count`` / ``--expect-hash``.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

import typer

from tracker.cli.common import reading
from tracker.domain.errors import InvalidInput, TrackerError
from tracker.domain.ledger import Verification
from tracker.store.ledger import SqlLedger
from tracker.store.reading import Reading

logger = logging.getLogger(__name__)

app = typer.Typer(help="Custody ledger: verify the chain, print its head.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


class Log(str, Enum):
    """Which chain: the custody ledger or the administration log."""

    LEDGER = "ledger"
    ADMIN = "admin"


LogOpt = Annotated[
    Log, typer.Option("--log", help="ledger (the custody register) or admin (administration log).")
]


def _chain(uow: Reading, log: Log) -> SqlLedger:
    return uow.admin_log if log is Log.ADMIN else uow.ledger


_KIND_ZH = {
    "edited": "被修改",
    "removed": "被删除",
    "inserted": "被插入",
    "reordered": "顺序被调换",
    "truncated": "末尾被截断",
    "head": "链头不符",
}


def _zh() -> bool:
    return os.environ.get("TRACKER_LANG", "zh").startswith("zh")


def _fail(exc: TrackerError) -> typer.Exit:
    typer.echo(f"error: {exc.text('zh' if _zh() else 'en')}", err=True)
    return typer.Exit(2)


def _report(result: Verification) -> dict[str, object]:
    rate = result.entries / result.seconds if result.seconds > 0 else None
    out: dict[str, object] = {
        "ok": result.ok,
        "entries": result.entries,
        "seconds": round(result.seconds, 6),
        "entries_per_second": round(rate, 1) if rate is not None else None,
        "problem": None,
    }
    if result.problem is not None:
        p = result.problem
        out["problem"] = {"kind": p.kind, "seq": p.seq, "message": p.message}
    return out


@app.command()
def verify(
    as_json: JsonOpt = False,
    log: LogOpt = Log.LEDGER,
    expect_count: Annotated[
        int | None,
        typer.Option(help="Entry count of a head recorded earlier (with --expect-hash)."),
    ] = None,
    expect_hash: Annotated[
        str | None, typer.Option(help="Last hash of that recorded head.")
    ] = None,
) -> None:
    """Walk the whole ledger (or administration log); exit 0 when intact, 1 naming the
    first problem."""
    try:
        if (expect_count is None) != (expect_hash is None):
            raise InvalidInput(
                "--expect-count/--expect-hash",
                "give both the recorded count and the recorded hash",
                zh="须同时给出记录的条数和哈希",
            )
        if expect_count is not None and expect_count < 0:
            raise InvalidInput("--expect-count", "must be 0 or more", zh="不能为负数")
        with reading() as uow:
            result = _chain(uow, log).verify(expect_count=expect_count, expect_hash=expect_hash)
    except TrackerError as exc:
        raise _fail(exc) from exc
    report = _report(result)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        rate = report["entries_per_second"]
        speed = f"{rate:,.0f}" if isinstance(rate, float) else "-"
        if _zh():
            typer.echo(
                f"已校验 {result.entries} 条记录，用时 {result.seconds:.3f} 秒（{speed} 条/秒）"
            )
        else:
            typer.echo(
                f"checked {result.entries} entries in {result.seconds:.3f} s ({speed} entries/s)"
            )
        p = result.problem
        zh_name = "管理日志" if log is Log.ADMIN else "台账"
        en_name = "administration log" if log is Log.ADMIN else "ledger"
        if p is None:
            typer.echo(f"{zh_name}完整" if _zh() else f"{en_name} intact")
        elif _zh():
            typer.echo(
                f"{zh_name}已被篡改：第 {p.seq} 条{_KIND_ZH.get(p.kind, p.kind)}（{p.kind}）"
            )
            typer.echo(p.message)
        else:
            typer.echo(f"{en_name.upper()} BROKEN ({p.kind}) at entry #{p.seq}: {p.message}")
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def head(as_json: JsonOpt = False, log: LogOpt = Log.LEDGER) -> None:
    """Print the ledger's (or administration log's) head - entry count, last hash, time
    of the last entry - to record."""
    try:
        with reading() as uow:
            chain = _chain(uow, log)
            count, last = chain.head()
            entry = chain.entry(count) if count else None
    except TrackerError as exc:
        raise _fail(exc) from exc
    now = datetime.now(UTC)
    last_at = entry.at.isoformat() if entry is not None else None
    if as_json:
        typer.echo(
            json.dumps(
                {"count": count, "last_hash": last, "last_at": last_at, "now": now.isoformat()}
            )
        )
        return
    again = "" if log is Log.LEDGER else " --log admin"
    if _zh():
        typer.echo(f"条数: {count}")
        typer.echo(f"末条哈希: {last}")
        typer.echo(f"末条时间: {last_at or '-'}")
        typer.echo(f"打印时间: {now.isoformat()}")
        typer.echo(
            f"请在系统外记录；日后校验: tracker audit verify{again} --expect-count {count} "
            f"--expect-hash {last}"
        )
    else:
        typer.echo(f"count: {count}")
        typer.echo(f"last hash: {last}")
        typer.echo(f"last entry at: {last_at or '-'}")
        typer.echo(f"printed at: {now.isoformat()}")
        typer.echo(
            f"record this outside the system; check later with: tracker audit verify{again} "
            f"--expect-count {count} --expect-hash {last}"
        )
