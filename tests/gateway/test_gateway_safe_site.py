"""Safe presence after smoothing, and the site router in front of doors and safes."""

from __future__ import annotations

import pytest

from drivers.reads import BadgeRead, TagRead
from tracker.config import Smoothing
from tracker.domain.errors import ConfigError
from tracker.domain.model import Door, Place, PlaceKind
from tracker.domain.site import DoorConfig, SafeConfig
from tracker.gateway.door import DoorLogic
from tracker.gateway.events import Crossing, SafeChange
from tracker.gateway.safe import SafeLogic
from tracker.gateway.site import SiteLogic

EPC = "3034257BF400000000BC6038"


def door(
    door_id: str, inner: tuple[str, ...], outer: tuple[str, ...], badges: tuple[str, ...] = ()
) -> DoorConfig:
    return DoorConfig(Door(door_id, door_id, "inside", "outside"), inner, outer, badges)


def safe_config(safe_id: str, *points: str) -> SafeConfig:
    return SafeConfig(Place(safe_id, PlaceKind.SAFE, safe_id, "room"), points)


def reads(epc: str, point: str, times: list[float], rssi: int = -60) -> list[TagRead]:
    return [TagRead(epc, 0x3000, rssi, point, t) for t in times]


def feed(safe: SafeLogic, rs: list[TagRead], until: float) -> list[SafeChange]:
    out: list[SafeChange] = []
    t, i = 0.0, 0
    rs = sorted(rs, key=lambda r: r.at)
    while t <= until:
        while i < len(rs) and rs[i].at <= t:
            out.extend(safe.on_tag(rs[i]))
            i += 1
        out.extend(safe.tick(t))
        t = round(t + 0.1, 6)
    return out


def make_safe(**smoothing: float) -> SafeLogic:
    cfg = safe_config("safe-1", "s1-a", "s1-b")
    smoothed = Smoothing(**smoothing)  # type: ignore[arg-type]
    return SafeLogic(cfg, smoothing=smoothed, is_badge=lambda epc: epc.startswith("E2"))


def test_put_in_then_taken_out() -> None:
    times = [1.0 + 0.05 * i for i in range(100)]  # in the safe from 1.0 s to 5.95 s
    changes = feed(make_safe(), reads(EPC, "s1-a", times), until=12.0)
    assert [(c.epc, c.present) for c in changes] == [(EPC, True), (EPC, False)]
    came, went = changes
    assert came.at == pytest.approx(1.05)  # the second read within 1 s: k=2
    assert went.last_seen == pytest.approx(5.95)
    assert went.at == pytest.approx(7.95)


def test_one_stray_read_is_not_presence() -> None:
    assert feed(make_safe(), reads(EPC, "s1-a", [1.0, 3.0, 5.0]), until=10.0) == []


def test_gaps_shorter_than_absence_do_not_flap() -> None:
    times = [t / 10 for t in range(0, 200) if (t // 10) % 2 == 0]  # 1 s on, 1 s off
    changes = feed(make_safe(absent_after=1.5), reads(EPC, "s1-a", times), until=25.0)
    assert [c.present for c in changes] == [True, False]


def test_two_antennas_of_one_safe_count_together() -> None:
    rs = reads(EPC, "s1-a", [1.0, 1.5]) + reads(EPC, "s1-b", [2.5, 3.0, 4.0, 5.0])
    changes = feed(make_safe(), rs, until=10.0)
    assert [c.present for c in changes] == [True, False]
    assert changes[1].last_seen == pytest.approx(5.0)


def test_badges_and_other_read_points_are_ignored() -> None:
    rs = reads("E2000000000000000000BADE", "s1-a", [1.0, 1.1, 1.2])
    rs += reads(EPC, "elsewhere", [1.0, 1.1, 1.2])
    assert feed(make_safe(), rs, until=6.0) == []


def test_site_routes_reads_to_doors_and_safes() -> None:
    d1 = door("d1", ("d1-in",), ("d1-out",), ("d1-badge",))
    safe = safe_config("safe-1", "s1-a")
    site = SiteLogic([d1], [safe])
    events = []
    rs: list[TagRead | BadgeRead] = []
    for i in range(34):
        frac = i / 33
        rssi = round(-75 + 30 * (1 - abs(2 * frac - 1)))
        rs.append(TagRead(EPC, 0x3000, rssi, "d1-out", frac))
        rs.append(TagRead(EPC, 0x3000, rssi, "d1-in", 0.6 + frac))
    rs.append(BadgeRead("0100073EA7", "d1-badge", 0.2, "em4100"))
    rs += reads(EPC, "s1-a", [20.0, 20.1, 20.2])
    rs.sort(key=lambda r: r.at)
    t = 0.0
    for r in rs:
        while t < r.at:
            events.extend(site.tick(t))
            t += 0.1
        events.extend(site.feed(r))
    events.extend(site.tick(40.0))
    crossings = [e for e in events if isinstance(e, Crossing)]
    assert [(c.door, c.direction, c.badges) for c in crossings] == [("d1", "in", ("0100073EA7",))]
    safe_changes = [e for e in events if isinstance(e, SafeChange)]
    assert [(c.safe, c.present) for c in safe_changes] == [("safe-1", True), ("safe-1", False)]
    assert site.read_points == {"d1-in", "d1-out", "d1-badge", "s1-a"}


def test_configuration_errors_are_clear() -> None:
    with pytest.raises(ConfigError, match="two roles"):
        DoorLogic(door("d1", ("x",), ("x",)))
    with pytest.raises(ConfigError, match="both zones"):
        DoorLogic(door("d1", (), ("x",)))
    with pytest.raises(ConfigError, match="smoothing"):
        Smoothing(k=0)
    d1 = door("d1", ("a",), ("b",))
    with pytest.raises(ConfigError, match="twice"):
        SiteLogic([d1, d1])
