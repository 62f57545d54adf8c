"""Where the gateway's observations go: straight into the services in the same process,
or to the custody service's ``POST /api/v1/events`` over HTTP with a device token."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Protocol

from tracker.domain.errors import InvalidInput, TransientError
from tracker.gateway.outbox import observation_to_json
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch

logger = logging.getLogger(__name__)


class Sink(Protocol):
    """Takes a batch of observations. Raises TransientError to have it retried later, or
    InvalidInput when the batch is malformed (it will not become valid by retrying)."""

    def send(self, batch: Sequence[Observation]) -> None:
        """Deliver ``batch``."""
        ...


class ServiceSink:
    """Applies batches through the services in this process."""

    def __init__(self, services: Services, source: str) -> None:
        self.services, self.source = services, source

    def send(self, batch: Sequence[Observation]) -> None:
        """Apply ``batch`` in one transaction."""
        apply_batch(self.services, self.source, list(batch))


class HttpSink:
    """POSTs batches to a custody service with a device token."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/api/v1/events"
        self.token, self.timeout = token, timeout

    def send(self, batch: Sequence[Observation]) -> None:
        """POST ``batch``; 5xx, timeouts and refused connections are transient."""
        body = json.dumps({"events": [observation_to_json(o) for o in batch]}).encode()
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:2000]
            # Refusals that a retry cannot cure; a 409 is a race unless an event id was
            # reused for other content.
            if exc.code in (400, 403, 404, 413, 422) or (
                exc.code == 409 and "event_id_reused" in detail
            ):
                raise InvalidInput(
                    "events", f"the service refused the batch ({exc.code}): {detail}"
                ) from exc
            raise TransientError(f"the service answered {exc.code}: {detail[:200]}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise TransientError(f"the service at {self.url} is unreachable: {exc}") from exc
