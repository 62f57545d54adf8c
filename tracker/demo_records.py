"""The demo's scenes of R16 (the disclosure record) and R18 (three-day handling), played
by :class:`tracker.demo.Day` — kept beside the day's script so it reads in one sitting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.domain.model import CarrierState

if TYPE_CHECKING:
    from tracker.demo import Day

DESK = "desk-secure"


def late_telegram(day: Day) -> None:
    """R18: a top-secret telegram that came last Thursday is registered only today; its
    three working days end at today's close."""
    body = {"items": [day._item(0)], "declared_count": 1, "received_from": "上级机关机要局"}
    body["received_on"] = "2026-11-26"
    (c,) = day.api("carol", "POST", "/api/v1/carriers", body)["carriers"]
    day.serials["ts2"], day.epcs["ts2"] = c["serial"], c["epc"]
    day.api("carol", "POST", f"/api/v1/carriers/{c['serial']}/label", {})
    day.office.put_in_safe(c["home_safe"], c["epc"])
    day.wait(lambda: day.where("ts2")[0] is CarrierState.IN_SAFE, "ts2 in its safe")


def reading(day: Day) -> None:
    """R16: alice reads the top-secret document at the reading desk, by badge; ann reads
    it too, recorded at the custodian's desk."""
    from tracker.demo import BADGE

    day.scene(
        9,
        50,
        "李核心在机要室阅文桌刷卡阅读绝密文件，钱领导经机要员登记阅读（R16）",
        "alice reads the top-secret document at the reading desk by badge; ann's reading "
        "is recorded at the custodian's desk (R16)",
    )
    ts, epc = day.serials["ts"], day.epcs["ts"]
    day.office.take_from_safe("safe-s1", epc)
    day.wait(lambda: day.where("ts")[0] is CarrierState.REGISTERED, "ts out of its safe")
    assert day.sim is not None
    desk = day.sim.gateway.logic.desks[DESK]
    day.office.lay_on_desk(DESK, epc)
    day.wait(lambda: epc in desk.present(), "the desk to see ts lying there")
    day.office.badge_at_desk(DESK, BADGE["alice"])
    day.wait(lambda: _reading_now(day, ts) == {"alice"}, "alice's session at the desk")
    day.wait(lambda: not desk.held(), "alice to put her badge away while she reads")
    day.clock.set(day.at(9, 55))
    day.office.badge_at_desk(DESK, BADGE["alice"])
    day.wait(lambda: _reading_now(day, ts) == set(), "alice's session to close")
    day.office.take_from_desk(DESK, epc)
    s = day.api("carol", "POST", "/api/v1/reading-sessions", {"serial": ts, "reader": "ann"})
    day.clock.set(day.at(9, 58))
    day.api("carol", "POST", f"/api/v1/reading-sessions/{s['id']}/close")
    day.office.put_in_safe("safe-s1", epc)
    day.wait(lambda: day.where("ts")[0] is CarrierState.IN_SAFE, "ts back in its safe")
    record(day, "ts")


def handling(day: Day) -> None:
    """R18: ann instructs on the top-secret document received today and carol records it
    handled; the late telegram is left."""
    day.scene(
        16,
        0,
        "钱领导批办今日收到的绝密文件，王机要办结（R18）",
        "ann instructs on today's top-secret document, carol records it handled (R18)",
    )
    ts = day.serials["ts"]
    day.api("ann", "POST", f"/api/v1/carriers/{ts}/handling/instruct", {"note": "请阅办"})
    day.api("carol", "POST", f"/api/v1/carriers/{ts}/handling/done", {"note": "已阅办"})
    record(day, "ts")


def record(day: Day, role: str) -> None:
    """The carrier's disclosure record, as a line of the timeline (no title)."""
    serial = day.serials[role]
    found = day.api("oscar", "GET", f"/api/v1/carriers/{serial}/disclosures")["entries"]
    how = {"badge": " (badge)", "desk": " (desk)"}  # reading sessions: how they were opened
    who = ", ".join(f"{d['person']} {d['kind']}{how.get(d['source'], '')}" for d in found)
    day.result.timeline.append(
        {
            "at": day.clock.now().astimezone(day.tz).isoformat(),
            "kind": "record",
            "text": f"知悉记录 {serial}: {who}",
        }
    )


def _reading_now(day: Day, serial: str) -> set[str]:
    sessions = day.api("carol", "GET", "/api/v1/reading-sessions")
    return {s["person"] for s in sessions if s["carrier"] == serial}
