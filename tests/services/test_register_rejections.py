"""The register says "rejected" when a request is rejected (issue 11): every kind of
request has its own ``*_reject`` action, and entries written before the fix — a rejected
copy or destruction sealed as ``copy_approve`` / ``destroy_approve`` with
``approved: false`` — stay valid in the chain and read as the rejections they were."""

from __future__ import annotations

from tests.services.conftest import receive_one
from tracker.domain.ledger import Action
from tracker.services import copying, destruction
from tracker.services.base import Services
from tracker.services.receive import store_in_safe


def _actions(svc: Services, serial: str) -> list[str]:
    with svc.read() as uow:
        return [e.action for e in uow.ledger.for_carrier(serial)]


def test_a_rejected_copy_request_is_written_as_copy_reject(svc: Services) -> None:
    c = receive_one(svc)
    req = copying.request_copy(svc, "carol", c.serial, 1, "分发")
    copying.reject_copy(svc, "ann", req.id, "无必要")
    assert _actions(svc, c.serial)[-2:] == ["copy_request", "copy_reject"]


def test_a_rejected_destruction_is_written_as_destroy_reject(svc: Services) -> None:
    c = receive_one(svc)
    store_in_safe(svc, "carol", c.serial)
    d = destruction.request_destruction(svc, "carol", [c.serial], "secure", "粉碎", "过期")
    destruction.reject_destruction(svc, "ann", d.id, "仍需保存")
    assert _actions(svc, c.serial)[-2:] == ["destroy_request", "destroy_reject"]


def test_old_rejections_sealed_as_approvals_verify_and_read_as_rejections(svc: Services) -> None:
    c = receive_one(svc)
    with svc.transaction() as tx:  # what the code before issue 11 wrote
        for action, record in (
            (Action.COPY_APPROVE, "copy_request"),
            (Action.DESTROY_APPROVE, "destruction"),
        ):
            tx.record(
                action,
                "ann",
                carrier=c.serial,
                approver="ann",
                data={record: "r1", "approved": False},
            )
        tx.record(
            Action.COPY_APPROVE,
            "ann",
            carrier=c.serial,
            approver="ann",
            data={"copy_request": "r2", "approved": True},
        )
    with svc.read() as uow:
        entries = uow.ledger.for_carrier(c.serial)[-3:]
        assert uow.ledger.verify().ok
    assert [e.action for e in entries] == ["copy_approve", "destroy_approve", "copy_approve"]
    assert [e.meaning for e in entries] == ["copy_reject", "destroy_reject", "copy_approve"]
