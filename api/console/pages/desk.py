"""借还台: the custodian's desk. A label scanned by a USB scanner (which types like a
keyboard and ends with Enter) or shown to the desk camera finds its carrier at once, with
what can be done with it now; the borrower's badge read at the desk's badge reader says
who is at the desk and whether that is the approved borrower. Check out, take back, hand
a circulating carrier to its next reader.

The desk camera is the desk computer's own camera, opened by the page: frames go to
``/console/desk/frame`` and are decoded by the same decoder as the safes' and doors'
cameras (:mod:`drivers.camera.decode`), so no barcode logic runs in the browser. The desk
badge reader is the keyboard kind (a USB 125 kHz reader that types the card number): its
keystrokes land in the same scan field as the label scanner's, and the number is looked
up among the badges (as the hexadecimal code or as the 10-digit decimal number such
readers usually type)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi.responses import JSONResponse, Response

from api.console import access
from api.console.pages.borrowing import borrow_rows
from api.console.pages.carriers import places
from api.console.web import PAGES, Call
from tracker.domain.errors import NotFound
from tracker.domain.model import (
    Badge,
    BadgeKind,
    Borrow,
    BorrowState,
    Carrier,
    CirculationState,
    PlaceKind,
)
from tracker.services import borrowing
from tracker.services.ports import UnitOfWork

MAX_FRAME = 4 * 1024 * 1024  # a 1280×720 JPEG is ~100–300 kB

# --- the use cases, one call each ----------------------------------------------------


def _check_out(call: Call, borrow_id: str) -> Borrow:
    return borrowing.check_out(call.svc, call.actor, borrow_id)


def _return(call: Call, serial: str, safe: str | None) -> Borrow:
    return borrowing.return_carrier(call.svc, call.actor, serial, safe)


def _issue_next(call: Call, circulation_id: str) -> Borrow:
    return borrowing.issue_next(call.svc, call.actor, circulation_id)


# --- what a scan names -----------------------------------------------------------------


def find_carrier(uow: UnitOfWork, code: str) -> Carrier | None:
    """The carrier whose serial or tag EPC is ``code``."""
    return uow.carriers.get(code) or uow.carriers.by_epc(code.upper())


def find_badge(uow: UnitOfWork, code: str) -> Badge | None:
    """The badge ``code`` names: its code as stored (hexadecimal), or the decimal card
    number a keyboard-type 125 kHz reader types (the low 32 bits of the EM4100 code)."""
    found = uow.badges.get(code.upper())
    if found is None and code.isdigit() and len(code) <= 10 and int(code) < 2**32:
        suffix = f"{int(code):08X}"
        found = next(
            (b for b in uow.badges.find(kind=BadgeKind.EM4100) if b.code.endswith(suffix)),
            None,
        )
    return found


# --- the desk -----------------------------------------------------------------------------


@PAGES.get("/console/desk", "desk")
def desk(call: Call) -> Response:
    """The desk: ``code`` is what was just scanned (a label, a tag's EPC or a badge);
    ``carrier`` and ``who`` keep the carrier on the desk and the person who badged."""
    me = call.me
    assert me is not None
    code, serial, who = call.value("code"), call.value("carrier"), call.value("who")
    missing, badge_note = "", ""
    with call.svc.read() as uow:
        found = find_carrier(uow, code) if code else None
        if code and found is None:
            badge = find_badge(uow, code)
            if badge is None:
                missing = call.t(
                    f"没有编号、标签或门禁卡为 {code} 的载体或人员",
                    f"no carrier or badge {code}",
                )
            elif not badge.active:
                badge_note = call.t(f"门禁卡 {code} 已注销", f"badge {code} is revoked")
                who = ""
            else:
                who = badge.person
        if found is not None:
            serial = found.serial
        elif serial:
            found = uow.carriers.get(serial)
        person = uow.people.get(who) if who else None
        waiting = uow.borrows.find(state=BorrowState.APPROVED, order_by="due_at", limit=100)
        out = uow.borrows.find(state=BorrowState.OUT, order_by="due_at", limit=200)
        circulations = uow.circulations.find(state=CirculationState.ACTIVE, order_by="started_at")
    context: dict[str, Any] = {
        "code": code,
        "missing": missing,
        "badge_note": badge_note,
        "card": None,
        "who": person,
    }
    if found is not None:
        context["card"] = access.carrier(me, found, call.lang, call.svc)
        context["card_waiting"] = [b for b in waiting if b.carrier == found.serial]
        context["card_out"] = next((b for b in out if b.carrier == found.serial), None)
        context["card_circulation"] = next(
            (c for c in circulations if c.carrier == found.serial), None
        )
    if person is not None:
        context["who_waiting"] = borrow_rows(call, [b for b in waiting if b.borrower == who])
        context["who_out"] = borrow_rows(call, [b for b in out if b.borrower == who])
    context.update(
        waiting=borrow_rows(call, waiting),
        out=borrow_rows(call, out),
        circulations=circulations,
        safes=places(call, PlaceKind.SAFE),
        now=call.svc.now(),
    )
    return call.render("desk.html", status=404 if missing else 200, **context)


def _back_to(serial: str) -> str:
    return "/console/desk?carrier=" + quote(serial)


@PAGES.post("/console/desk/check-out", "desk")
def check_out(call: Call) -> Response:
    """Hand an approved borrow's carrier to the borrower."""
    borrow_id = call.value("borrow")
    with call.svc.read() as uow:
        b = uow.borrows.get(borrow_id)
    if b is None:
        raise NotFound(f"no borrow {borrow_id!r}", zh="没有该借阅记录")
    return call.attempt(
        _back_to(b.carrier),
        call.t(f"{b.carrier} 已借出", f"{b.carrier} checked out"),
        _check_out,
        call,
        borrow_id,
    )


@PAGES.post("/console/desk/return", "desk")
def take_back(call: Call) -> Response:
    """Take a borrowed carrier back and lock it in its safe."""
    serial = call.value("serial")
    return call.attempt(
        _back_to(serial),
        call.t(f"{serial} 已归还入柜", f"{serial} returned and locked away"),
        _return,
        call,
        serial,
        call.value("safe") or None,
    )


@PAGES.post("/console/desk/issue-next", "desk")
def issue_next(call: Call) -> Response:
    """Hand a circulating carrier to its next reader (it must be back first, R5)."""
    circulation_id = call.value("circulation")
    with call.svc.read() as uow:
        circ = uow.circulations.get(circulation_id)
    if circ is None:
        raise NotFound(f"no circulation {circulation_id!r}", zh="没有该传阅记录")
    return call.attempt(
        _back_to(circ.carrier),
        call.t(f"{circ.carrier} 已交下一位阅读人", f"{circ.carrier} issued to the next reader"),
        _issue_next,
        call,
        circulation_id,
    )


# --- the desk camera --------------------------------------------------------------------

_decoding = threading.Lock()


@lru_cache(maxsize=1)
def _decoder() -> Any:
    from drivers.camera.decode import make_decoder

    return make_decoder()


def read_labels(data: bytes) -> list[str]:
    """The texts of the codes in one camera frame (JPEG or PNG bytes); [] when it is not
    an image or shows no code."""
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return []
    with _decoding:
        return [c.text for c in _decoder().decode(image)]


@PAGES.post("/console/desk/frame", "desk", passive=True)
def frame(call: Call) -> Response:
    """One frame of the desk camera: the serial of the carrier whose label it shows, if
    any. Not activity: a camera left on does not keep a session alive."""
    upload = call.files.get("frame")
    data = upload.file.read(MAX_FRAME + 1) if upload is not None else b""
    if not data or len(data) > MAX_FRAME:
        message = call.t("应为一帧不超过4 MB的图像", "expected one image of at most 4 MB")
        return JSONResponse({"error": message}, status_code=422)
    texts = read_labels(data)
    with call.svc.read() as uow:
        for text in texts:
            c = find_carrier(uow, text)
            if c is not None:
                return JSONResponse({"code": c.serial})
    return JSONResponse({"code": None, "seen": len(texts)})
