"""涉密会议 (R17): register a meeting, name its attendees and materials, hand materials
out and collect them with the desk scanner (the material's label, the attendee's badge),
end the meeting, sweep the room. Staff and approvers see the meetings they attend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.web import PAGES, Call
from api.errors import status_of
from tracker.domain.errors import TrackerError
from tracker.domain.model import PlaceKind, RoomKind
from tracker.services import meeting_views, meetings


def _rooms(call: Call) -> list[tuple[str, str]]:
    return [
        (p.id, p.name)
        for p in call.svc.site.places
        if p.kind is PlaceKind.ROOM and p.room_kind not in (RoomKind.PASSAGE, RoomKind.OUTSIDE)
    ]


def _list_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    found, total = meeting_views.visible(call.svc, call.person, limit=100, offset=0)
    return call.render(
        "meetings.html",
        status=status,
        rows=found,
        total=total,
        rooms=_rooms(call),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        form={k: call.value(k) for k in ("name", "room", "level", "starts_at", "ends_at")},
    )


@PAGES.get("/console/meetings", "meetings")
def index(call: Call) -> Response:
    """The meetings one may see, and (for keepers) the form to register one."""
    return _list_page(call)


@PAGES.post("/console/meetings", "meetings")
def create(call: Call) -> Response:
    """Register a meeting: a room fit for its level, a start and an end (R17)."""
    call.require("meeting")
    problems = Problems(call.lang)
    tz = call.svc.site.calendar.tz
    name = problems.required(call.value("name").strip(), "name")
    room = problems.required(call.value("room"), "room")
    level = problems.level(call.value("level"), "level")
    starts = problems.moment(call.value("starts_at"), "starts_at", tz)
    ends = problems.moment(call.value("ends_at"), "ends_at", tz)
    if problems or level is None or starts is None or ends is None:
        return _list_page(call, 422, problems)
    try:
        m = meetings.create_meeting(call.svc, call.actor, name, room, level, starts, ends)
    except TrackerError as exc:
        return _list_page(call, status_of(exc), problems.refused(exc, call.message(exc)))
    return call.redirect(f"/console/meetings/{m.id}", ok=call.t("会议已登记", "Meeting registered"))


@PAGES.get("/console/meetings/{meeting_id}", "meetings")
def show(call: Call) -> Response:
    """One meeting: attendees, materials, who has what; the desk's scan forms."""
    m, handouts = meeting_views.detail(call.svc, call.person, call.path["meeting_id"])
    return call.render("meeting.html", m=m, handouts=handouts)


def _back(call: Call) -> str:
    return f"/console/meetings/{call.path['meeting_id']}"


def _codes(call: Call, field: str) -> list[str]:
    return [c for c in call.value(field).replace(",", " ").split() if c]


def _act(call: Call, ok: str, action: Callable[..., Any], *args: Any) -> Response:
    """Run a desk action on this meeting: back to its page saying ``ok`` or what refused."""
    call.require("meeting")
    return call.attempt(
        _back(call), ok, action, call.svc, call.actor, call.path["meeting_id"], *args
    )


@PAGES.post("/console/meetings/{meeting_id}/attendees", "meetings")
def attendees(call: Call) -> Response:
    """Add attendees by id or badge: clearance and knowledge scope are checked."""
    people = _codes(call, "people")
    if not people:
        return call.redirect(_back(call), error=call.t("请填写与会人员", "name an attendee"))
    return _act(call, call.t("已登记与会人员", "Attendees added"), meetings.add_attendees, people)


@PAGES.post("/console/meetings/{meeting_id}/materials", "meetings")
def materials(call: Call) -> Response:
    """Plan materials: scanned carriers, or the copies of a copy request (R8)."""
    codes, copies = _codes(call, "codes"), call.value("copy_request").strip()
    if copies:
        ok = call.t("复制件已登记为会议材料", "The copies are materials now")
        return _act(call, ok, meetings.add_copies, copies)
    if not codes:
        return call.redirect(_back(call), error=call.t("请扫描或输入编号", "scan or type a code"))
    return _act(call, call.t("已登记会议材料", "Materials planned"), meetings.add_materials, codes)


@PAGES.post("/console/meetings/{meeting_id}/hand-out", "meetings")
def hand_out(call: Call) -> Response:
    """The material's label and the attendee's badge, scanned at the desk."""
    code, who = call.value("code").strip(), call.value("attendee").strip()
    if not code or not who:
        return call.redirect(
            _back(call), error=call.t("请扫描材料和与会人员证卡", "scan the material and the badge")
        )
    return _act(call, call.t(f"已分发 {code}", f"Handed out {code}"), meetings.hand_out, code, who)


@PAGES.post("/console/meetings/{meeting_id}/collect", "meetings")
def collect(call: Call) -> Response:
    """A material scanned on its way back."""
    code, giver = call.value("code").strip(), call.value("returned_by").strip() or None
    if not code:
        return call.redirect(_back(call), error=call.t("请扫描或输入编号", "scan or type a code"))
    return _act(call, call.t(f"已收回 {code}", f"Collected {code}"), meetings.collect, code, giver)


@PAGES.post("/console/meetings/{meeting_id}/end", "meetings")
def end(call: Call) -> Response:
    """End now: what is not collected becomes an alert naming the attendee."""
    return _act(call, call.t("会议已结束", "The meeting has ended"), meetings.end_meeting)


@PAGES.post("/console/meetings/{meeting_id}/sweep", "meetings")
def sweep(call: Call) -> Response:
    """Sweep the room: the room's readers, plus codes a hand reader found."""
    ok = call.t("会场已清查", "The room has been swept")
    return _act(call, ok, meetings.sweep, _codes(call, "codes"))
