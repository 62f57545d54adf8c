"""``tracker demo``: a whole simulated office playing a scripted day.

The office is the one ``tracker serve --simulate`` runs, built by the same bootstrap
function (:func:`tracker.bootstrap.simulate_site`): M100 simulators on both sides of
every door and in every safe, badge readers, the safe and door cameras and the printer
simulator on real pseudo-terminals and sockets; the real drivers, gateway, API, services
and scheduler do the rest: the custodian, approver and staff work through the HTTP API,
and the gateway posts what it sees to the API with its device token. The demo keeps its
own database and ledger key in its working folder. The clock is a fast one: it jumps
between scenes, and within a scene time runs at real speed so the door logic sees real
crossings. The demo checks that exactly the expected alerts were raised.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from api.security import Argon2Hasher
from api.settings import ApiSettings
from simulators.office import SimulatedOffice
from tracker import demo_records as records
from tracker.bootstrap import SimulatedSite, build, simulate_site
from tracker.domain.clock import ManualClock
from tracker.domain.errors import TrackerError
from tracker.domain.model import AlertType, CarrierState
from tracker.gateway.runner import GatewayOptions
from tracker.gateway.sinks import HttpSink
from tracker.services import accounts
from tracker.services.base import Services
from tracker.services.bus import Event
from tracker.services.schedule import run_due
from tracker.simulate import CAST, ensure_cast

logger = logging.getLogger(__name__)

DAY = date(2026, 12, 1)  # a Tuesday
BADGE = {pid: badge for pid, *_, badge in CAST}
UNKNOWN_USB = "E2801170000002089ABCDEF0"
UNPLUGGED = "door-office-b-in"
#: (alert type, rule) the scripted day must raise — and nothing else.
EXPECTED = {
    ("unauthorized_removal", "R2"),  # top secret carried out of the secure room
    ("unauthorized_removal", "R6"),  # … and out of the building, by one person
    ("unauthorized_removal", "R1"),  # a secret carrier taken into a confidential office
    ("unknown_tag", None),  # someone's own USB stick at the exit
    ("reader_offline", None),  # a reader unplugged (and plugged back)
    ("overdue_borrow", "R4"),  # a borrow left out after close of business
    ("not_locked_away", "R7"),  # the same carrier, not in a safe at the sweep
    ("unrecorded_contact", "R16"),  # alice, who carried the top-secret one, had no record
    ("handling_due", "R18"),  # a top-secret telegram registered late: due today …
    ("handling_overdue", "R18"),  # … and not handled by close of business
    ("not_collected", "R17"),  # a meeting material still with an attendee at the end
    ("left_behind", "R17"),  # another one left on the meeting room's table
    ("seal_broken", "R19"),  # a carrier taken out of a sealed safe over the holiday
    ("seal_mismatch", "R19"),  # … and missing when the safe is unsealed after it
    ("inventory_due", "R9"),  # the next morning's daily run: no inventory taken yet
}
#: The demo's own holiday, the day after the demo day: the secure room's safes are sealed
#: at its close of business and unsealed the morning after (R19).
HOLIDAY = date(2026, 12, 2)


class DemoError(TrackerError):
    """The simulated office did not behave (a part did not come up or answer)."""

    code = "demo_failed"


@dataclass
class DemoResult:
    """What the day produced."""

    timeline: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    missing: list[tuple[str, str | None]] = field(default_factory=list)
    unexpected: list[tuple[str, str | None]] = field(default_factory=list)
    workdir: str = ""

    @property
    def ok(self) -> bool:
        """True when every expected alert was raised and no other."""
        return not self.missing and not self.unexpected


class Day:
    """The office and the script."""

    def __init__(self, site_file: Path, workdir: Path, say: Callable[[str], None]) -> None:
        self.workdir, self.say = workdir, say
        self.tz = ZoneInfo("Asia/Shanghai")
        self.clock = ManualClock(self.at(8, 0), speed=1.0)
        self.result = DemoResult(workdir=str(workdir))
        self.site_file = site_file
        self.services: Services | None = None
        self.sim: SimulatedSite | None = None
        self.serials: dict[str, str] = {}  # role in the script -> serial
        self.epcs: dict[str, str] = {}
        self.passwords: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.server: uvicorn.Server | None = None
        self.base = ""

    @property
    def office(self) -> SimulatedOffice:
        """The simulated office (once started)."""
        assert self.sim is not None
        return self.sim.office

    def at(self, hh: int, mm: int = 0, day: date = DAY) -> datetime:
        """A time of the demo day (or of ``day``)."""
        return datetime(day.year, day.month, day.day, hh, mm, tzinfo=self.tz)

    # --- set-up ------------------------------------------------------------------------

    def start(self) -> None:
        """Bring up the office: database, services, API, then the simulated hardware and
        the gateway posting to the API."""
        app = build(
            url=f"sqlite:///{self.workdir / 'demo.db'}",
            site_file=self.site_file,
            clock=self.clock,
            key_file=self.workdir / "ledger.key",
        )
        svc = self.services = app.services
        svc.bus.subscribe(self._on_event)
        # Shorter reader heartbeats than an installation would use, so an unplugged reader
        # is noticed within the scene (still above the M100 driver's 5 s keepalive).
        site = replace(
            app.site,
            readers=tuple(replace(r, heartbeat=8.0) for r in app.site.readers),
            calendar=replace(app.site.calendar, holidays=app.site.calendar.holidays | {HOLIDAY}),
        )
        svc.site = site
        settings = ApiSettings(
            secret_key=SecretStr(secrets.token_hex(32)),
            secret_key_file=self.workdir / "secret.key",
            argon2_time_cost=1,
            argon2_memory_kib=8 * 1024,
            argon2_parallelism=1,
        )
        self.passwords = ensure_cast(svc, Argon2Hasher.from_settings(settings), "cli:demo")
        places = [d.door.id for d in site.doors] + [s.place.id for s in site.safes]
        places += [d.id for d in site.desks]
        _, token = accounts.create_device(svc, "cli:demo", "demo-gateway", places)
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(svc, settings),
                host="127.0.0.1",
                port=0,
                log_level="warning",
                lifespan="on",
            )
        )
        threading.Thread(target=self.server.run, name="demo-api", daemon=True).start()
        self.wait(lambda: self.server is not None and self.server.started, "the API", 60)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.sim = simulate_site(
            svc,
            site,
            self.workdir,
            sink=HttpSink(self.base, token),
            options=GatewayOptions("demo-gateway", heartbeat_every=1.0),
        )
        if not self.office.ready([r.id for r in self.sim.gateway.readers_cfg], timeout=60):
            raise DemoError("the simulated readers did not come up")

    def stop(self) -> None:
        """Stop everything (the gateway drains its outbox to the API first)."""
        if self.sim is not None:
            self.sim.stop()
        if self.server is not None:
            self.server.should_exit = True

    # --- the API, as the people of the office use it -------------------------------------

    def api(self, who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the API as ``who`` (logging in with the password flow the first time)."""
        if who not in self.tokens:
            r = httpx.post(
                f"{self.base}/api/v1/auth/token",
                data={"username": who, "password": self.passwords[who]},
                timeout=30,
            )
            r.raise_for_status()
            self.tokens[who] = r.json()["access_token"]
        r = httpx.request(
            method,
            f"{self.base}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[who]}", "Accept-Language": "en"},
            timeout=60,
        )
        if r.status_code >= 400:
            raise DemoError(f"demo: {who} {method} {path} → {r.status_code}: {r.text}")
        return r.json()

    def borrow(self, who: str, role: str, destination: str, purpose: str) -> str:
        """``who`` asks to borrow, ann approves, carol hands it out; returns the borrow id."""
        b = self.api(
            who,
            "POST",
            "/api/v1/borrows",
            {"serial": self.serials[role], "destination": destination, "purpose": purpose},
        )
        self.api("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", {})
        self.api("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out", {})
        return str(b["id"])

    # --- the timeline ------------------------------------------------------------------

    def _on_event(self, ev: Event) -> None:
        at = self.clock.now().astimezone(self.tz)
        if ev.kind == "movement":
            at = datetime.fromisoformat(ev.data["at"]).astimezone(self.tz)
            d = ev.data
            text = f"{d['carrier']} {d['from_place']} → {d['to_place']}"
            if d.get("door"):
                text += f" via {d['door']}"
            if d.get("people"):
                text += f" with {', '.join(d['people'])}"
        elif ev.kind == "alert" and ev.data.get("state") == "open" and "message" in ev.data:
            text = f"ALERT {ev.data['type']} {ev.data.get('rule') or ''}: {ev.data['zh']}"
        elif ev.kind == "alert":
            text = f"alert {ev.data['id'][:8]} {ev.data['state']}"
        else:
            return
        self.result.timeline.append({"at": at.isoformat(), "kind": ev.kind, "text": text})

    def scene(self, hh: int, mm: int, zh: str, en: str, day: date = DAY) -> None:
        """Move the clock to the scene's time and run what the scheduler would run."""
        title = en if os.environ.get("TRACKER_LANG", "zh").startswith("en") else zh
        assert self.services is not None
        self.clock.set(self.at(hh, mm, day))
        time.sleep(1.2)  # fresh heartbeats at the new time before the scheduler looks
        self.result.timeline.append(
            {"at": self.at(hh, mm, day).isoformat(), "kind": "scene", "text": title}
        )
        self.say(f"{'' if day == DAY else f'{day:%m-%d} '}{hh:02d}:{mm:02d}  {title}")
        run_due(self.services)

    def wait(self, pred: Callable[[], bool], what: str, timeout: float = 45.0) -> None:
        """Wait for the simulated world to catch up; fail the demo clearly if it does not.
        The limits are generous: they only matter when something is broken, and a loaded
        machine (a parallel test run) is slow, not wrong."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.05)
        raise DemoError(f"demo: timed out waiting for {what}")

    def where(self, role: str) -> tuple[CarrierState, str | None]:
        """State and place of a scripted carrier."""
        assert self.services is not None
        with self.services.read() as uow:
            c = uow.carriers.get(self.serials[role])
            assert c is not None
            return c.state, c.location

    def carry(self, door: str, direction: str, role: str, who: str, to: str) -> None:
        """Walk ``who`` with carrier ``role`` through ``door``; wait until it is in ``to``."""
        self.office.carry(door, direction, (self.epcs[role],), (BADGE[who],))
        self.wait(lambda: self.where(role)[1] == to, f"{role} to reach {to}")

    def alerts_seen(self) -> set[tuple[str, str | None]]:
        """(type, rule) of every alert raised so far."""
        assert self.services is not None
        with self.services.read() as uow:
            return {(a.type.value, a.rule) for a in uow.alerts.find()}

    # --- the script --------------------------------------------------------------------

    def play(self) -> None:
        """The scripted day."""
        svc = self.services
        assert svc is not None
        self.scene(8, 40, "上班", "the office opens")
        self.scene(8, 45, "签收并打印标签：20件载体（R15）", "receive and label 20 carriers (R15)")
        items = [self._item(i) for i in range(20)]
        got = self.api(
            "carol",
            "POST",
            "/api/v1/carriers",
            {"items": items, "declared_count": 20, "received_from": "上级机关机要局"},
        )
        roles = ["ts", "sec", "sec2"] + [f"c{i}" for i in range(3, 19)] + ["conf"]
        for role, c in zip(roles, got["carriers"], strict=True):
            self.serials[role], self.epcs[role] = c["serial"], c["epc"]
        for c in got["carriers"]:
            label = self.api("carol", "POST", f"/api/v1/carriers/{c['serial']}/label", {})
            assert label["tag_epc"] == c["epc"]
        for c in got["carriers"]:
            self.office.put_in_safe(c["home_safe"], c["epc"])
        self.wait(lambda: all(self.where(r)[0] is CarrierState.IN_SAFE for r in roles), "safes")
        records.late_telegram(self)

        self.scene(
            9,
            30,
            "李核心借阅一份机密报告到阅文室并归还",
            "alice borrows a secret report to the reading room and returns it",
        )
        loan = self.borrow("alice", "sec", "reading", "阅办")
        self.office.take_from_safe("safe-s1", self.epcs["sec"])
        self.carry("door-secure", "out", "sec", "alice", "corridor")
        self.carry("door-reading", "in", "sec", "alice", "reading")
        self.carry("door-reading", "out", "sec", "alice", "corridor")
        self.carry("door-secure", "in", "sec", "alice", "secure")
        self.api("carol", "POST", f"/api/v1/borrows/{loan}/return", {})
        self.office.put_in_safe("safe-s1", self.epcs["sec"])

        records.reading(self)

        self.scene(
            10,
            0,
            "郑重要借阅一份秘密文件到第二办公室，未归还",
            "erin borrows a confidential file to office B — and keeps it",
        )
        self.borrow("erin", "conf", "office-b", "会商")
        self.office.take_from_safe("safe-a", self.epcs["conf"])
        self.carry("door-office-a", "out", "conf", "erin", "corridor")
        self.carry("door-office-b", "in", "conf", "erin", "office-b")

        self.scene(
            11,
            30,
            "李核心独自将绝密载体带到大楼出口（R2、R6）",
            "alice carries a top-secret carrier to the exit, alone (R2, R6)",
        )
        self.office.take_from_safe("safe-s1", self.epcs["ts"])
        self.carry("door-secure", "out", "ts", "alice", "corridor")
        self.carry("door-exit", "out", "ts", "alice", "outside")
        self.scene(11, 40, "载体被带回并入柜", "the custodian brings it back and locks it away")
        self.carry("door-exit", "in", "ts", "alice", "corridor")
        self.carry("door-secure", "in", "ts", "alice", "secure")
        self.office.put_in_safe("safe-s1", self.epcs["ts"])
        self.wait(lambda: self.where("ts")[0] is CarrierState.IN_SAFE, "ts back in its safe")

        self.scene(
            13,
            0,
            "机密载体被带入密级较低的第二办公室（R1）",
            "a secret carrier is taken into office B, below its level (R1)",
        )
        self.office.take_from_safe("safe-s1", self.epcs["sec2"])
        self.carry("door-secure", "out", "sec2", "alice", "corridor")
        self.carry("door-office-b", "in", "sec2", "alice", "office-b")
        self.carry("door-office-b", "out", "sec2", "alice", "corridor")
        self.carry("door-secure", "in", "sec2", "alice", "secure")
        self.office.put_in_safe("safe-s1", self.epcs["sec2"])
        self.wait(lambda: self.where("sec2")[0] is CarrierState.IN_SAFE, "sec2 back in its safe")

        self.scene(
            14,
            0,
            "周重要携带私人U盘出楼（未登记标签）",
            "bob walks out with his own USB stick (unknown tag)",
        )
        self.office.carry("door-exit", "out", (UNKNOWN_USB,), (BADGE["bob"],))
        self.wait(lambda: ("unknown_tag", None) in self.alerts_seen(), "the unknown tag alert")

        self.scene(
            15,
            0,
            "第二办公室门读写器断开后重新接入",
            "a reader at office B is unplugged, then plugged back",
        )
        self.office.reader(UNPLUGGED).unplug(12.0)
        self.wait(lambda: ("reader_offline", None) in self.alerts_seen(), "reader offline", 45)
        self.wait(self._reader_back, "the reader to come back", 60)

        records.handling(self)
        self.meeting()

        self.scene(
            17,
            36,
            "下班：入柜检查与逾期检查；节前封存机要室保险柜（R19）",
            "close of business: the end-of-day sweep, the overdue check; the secure room's "
            "safes sealed for the holiday (R19)",
        )
        self.wait(lambda: ("overdue_borrow", "R4") in self.alerts_seen(), "overdue alert", 15)
        self.holiday()

    def meeting(self) -> None:
        """R17: a classified meeting in office A. Two secret reports are handed out at
        the desk; alice gives hers back but it is left on the table, erin keeps hers past
        the end; the room is swept a quarter of an hour after."""
        self.scene(
            16,
            5,
            "涉密会议：机要员分发会议材料（R17）",
            "a classified meeting: the custodian hands out its materials (R17)",
        )
        m = self.api(
            "carol",
            "POST",
            "/api/v1/meetings",
            {
                "name": "年终保密工作会",
                "room": "office-a",
                "level": "secret",
                "starts_at": self.at(16, 5).isoformat(),
                "ends_at": self.at(16, 35).isoformat(),
            },
        )
        base = f"/api/v1/meetings/{m['id']}"
        self.api("carol", "POST", f"{base}/attendees", {"people": ["alice", "erin"]})
        materials = {"c3": "alice", "c6": "erin"}
        self.api("carol", "POST", f"{base}/materials", {"codes": [self.epcs[r] for r in materials]})
        for role in materials:
            self.office.take_from_safe("safe-s1", self.epcs[role])
        self.office.carry(
            "door-secure", "out", tuple(self.epcs[r] for r in materials), (BADGE["carol"],)
        )
        self.wait(
            lambda: all(self.where(r)[1] == "corridor" for r in materials), "the materials out"
        )
        self.office.carry(
            "door-office-a", "in", tuple(self.epcs[r] for r in materials), (BADGE["carol"],)
        )
        self.wait(
            lambda: all(self.where(r)[1] == "office-a" for r in materials), "the materials in"
        )
        for role, who in materials.items():  # scanned at the desk with the attendee's badge
            self.api(
                "carol",
                "POST",
                f"{base}/hand-out",
                {"code": self.epcs[role], "attendee": BADGE[who]},
            )

        self.scene(
            16,
            30,
            "李核心交回材料，但材料被留在桌上",
            "alice gives hers back; it stays on the table",
        )
        self.api("carol", "POST", f"{base}/collect", {"code": self.serials["c3"]})
        self.scene(
            16,
            36,
            "会议结束：郑重要的材料未收回（R17）",
            "the meeting ends: erin's is not collected (R17)",
        )
        self.wait(lambda: ("not_collected", "R17") in self.alerts_seen(), "the not-collected alert")
        self.scene(
            16,
            45,
            "机要员向郑重要收回材料，锁入第一办公室保险柜",
            "collected late from erin, locked in office A's safe",
        )
        self.api("carol", "POST", f"{base}/collect", {"code": self.serials["c6"]})
        self.office.put_in_safe("safe-a", self.epcs["c6"])
        self.wait(lambda: self.where("c6")[0] is CarrierState.IN_SAFE, "c6 in safe-a")
        self.scene(
            16,
            52,
            "会后清查会场：发现遗留载体（R17）",
            "the room swept after the meeting: one left behind (R17)",
        )
        self.wait(lambda: ("left_behind", "R17") in self.alerts_seen(), "the left-behind alert")
        self.office.put_in_safe("safe-a", self.epcs["c3"])
        self.wait(lambda: self.where("c3")[0] is CarrierState.IN_SAFE, "c3 in safe-a")

    def holiday(self) -> None:
        """R19: over the holiday someone takes a report out of a sealed safe; unsealing
        the morning after finds it missing."""
        self.scene(
            20,
            0,
            "节日期间有人打开已封存的保险柜取走载体（R19）",
            "over the holiday someone takes a report out of a sealed safe (R19)",
        )
        self.office.take_from_safe("safe-s1", self.epcs["c9"])
        self.wait(lambda: ("seal_broken", "R19") in self.alerts_seen(), "the seal-broken alert")
        after = HOLIDAY + timedelta(days=1)
        self.scene(
            8,
            31,
            "节后上班：启封保险柜并与封存清单核对（R19）",
            "after the holiday: the safes unsealed and compared with the snapshot (R19)",
            after,
        )
        self.wait(lambda: ("seal_mismatch", "R19") in self.alerts_seen(), "the unseal comparison")

    def _reader_back(self) -> bool:
        assert self.services is not None
        with self.services.read() as uow:
            return all(
                a.state.value == "resolved" for a in uow.alerts.find(type=AlertType.READER_OFFLINE)
            )

    def _item(self, i: int) -> dict[str, Any]:
        # 0: top secret; 1-2 and every third: secret (secure room); the rest confidential in
        # office A's safe; the last one is the file erin will keep.
        if i == 0:  # ann, a leader, is in its scope to instruct on it (R18)
            level, room, safe, period = "top_secret", "secure", "safe-s1", "20y"
        elif i in (1, 2) or i % 3 == 0:
            level, room, safe, period = "secret", "secure", "safe-s1", "10y"
        else:
            level, room, safe, period = "confidential", "office-a", "safe-a", "5y"
        return {
            "title": f"演示文件{i + 1:02d}",
            "medium": "usb" if i % 5 == 4 else "paper",
            "level": level,
            "period": period,
            "classified_on": "2026-11-20",
            "issuing_authority": "上级机关办公厅",
            "home_room": room,
            "home_safe": safe,
            "copy_number": 1,
            "total_copies": 1,
            "pages": 10 + i,
            "scope_departments": ["policy"],
            "scope_people": ["ann"] if i == 0 else [],
        }

    def finish(self) -> DemoResult:
        """Collect the alerts and compare them with what the day should have raised."""
        assert self.services is not None
        with self.services.read() as uow:
            alerts = uow.alerts.find(order_by="first_seen")
        seen = set()
        for a in alerts:
            key = (a.type.value, a.rule)
            # Only the unplugged reader may go offline; any other is a fault of the office.
            if a.type is AlertType.READER_OFFLINE and a.subject != UNPLUGGED:
                key = ("reader_offline", f"unexpected: {a.subject}")
            seen.add(key)
            self.result.alerts.append(
                {
                    "type": a.type.value,
                    "rule": a.rule,
                    "severity": a.severity.value,
                    "subject": a.subject,
                    "state": a.state.value,
                    "count": a.count,
                    "first_seen": a.first_seen.astimezone(self.tz).isoformat(),
                    "message": a.details.get("message", ""),
                    "zh": a.details.get("zh", ""),
                }
            )
        self.result.timeline.sort(key=lambda t: t["at"])
        self.result.missing = sorted(EXPECTED - seen, key=str)
        self.result.unexpected = sorted(seen - EXPECTED, key=str)
        return self.result


def run_demo(
    site_file: str | Path = "examples/site.toml",
    workdir: str | Path | None = None,
    say: Callable[[str], None] = lambda _s: None,
) -> DemoResult:
    """Play the scripted day; returns the timeline, the alerts and the verdict."""
    folder = Path(workdir or tempfile.mkdtemp(prefix="tracker-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    day = Day(Path(site_file), folder, say)
    try:
        day.start()
        day.play()
        return day.finish()
    finally:
        day.stop()


__all__ = ["EXPECTED", "DemoResult", "run_demo"]
