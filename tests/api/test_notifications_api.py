"""Failed deliveries are kept and visible to keepers over the API."""

from __future__ import annotations

from tests.api.conftest import app, auth, client, gateway, settings
from tests.services.conftest import receive_one
from tracker.domain.levels import Level
from tracker.services.movement import Observation, apply_batch

__all__ = ["app", "auth", "client", "gateway", "settings"]


def test_failed_notifications_are_listed_for_keepers_only(svc, client, auth, clock) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.TOP_SECRET)
    apply_batch(
        svc,
        "gw",
        [
            Observation(
                "e1", "crossing", clock.now(), code=c.serial, door="door-secure", direction="out"
            )
        ],
    )
    # No SMTP server is configured in the example site: the emails are failed at once.
    r = client.get("/api/v1/notifications?state=failed", headers=auth("oscar"))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 1
    assert all(n["state"] == "failed" and "SMTP" in n["last_error"] for n in body["items"])
    assert {n["recipient"] for n in body["items"]} >= {"person:carol", "person:oscar"}
    assert client.get("/api/v1/notifications", headers=auth("alice")).status_code == 403
