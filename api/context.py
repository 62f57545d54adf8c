"""What every request handler may need, made once per app: the services, settings, the
password hasher, the token issuer, metrics and the live-stream hub."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.metrics import Metrics
from api.security import Argon2Hasher, TokenIssuer
from api.settings import ApiSettings
from api.stream import StreamHub
from api.throttle import LoginThrottle
from tracker.services.base import Services


@dataclass
class ApiContext:
    """The app's shared parts (``app.state.ctx``)."""

    services: Services
    settings: ApiSettings
    hasher: Argon2Hasher
    issuer: TokenIssuer
    metrics: Metrics
    hub: StreamHub
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
