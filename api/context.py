"""What every request handler may need, made once per app: the services, settings, the
password hasher, the token issuer, metrics, the live-stream hub and the login throttle's
policy (the counts themselves are in the database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.metrics import Metrics
from api.security import Argon2Hasher, TokenIssuer
from api.settings import ApiSettings
from api.stream import StreamHub
from tracker.services.base import Services
from tracker.services.throttling import ThrottlePolicy


@dataclass
class ApiContext:
    """The app's shared parts (``app.state.ctx``)."""

    services: Services
    settings: ApiSettings
    hasher: Argon2Hasher
    issuer: TokenIssuer
    metrics: Metrics
    hub: StreamHub
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
