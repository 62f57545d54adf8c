"""What every request handler may need, made once per app: the services, settings, the
password hasher, the token issuer, metrics, the live-stream hub, the login throttle's
policy (the counts themselves are in the database), and the short-lived caches of who a
token belongs to and of the database's health."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from api.health import Health
from api.metrics import Metrics
from api.principals import PrincipalCache
from api.security import Argon2Hasher, TokenIssuer
from api.settings import ApiSettings
from api.stream import StreamHub
from tracker.services.base import Services
from tracker.services.throttling import ThrottlePolicy

if TYPE_CHECKING:
    from api.auth import Principal


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
    principals: PrincipalCache[Principal] = field(default_factory=lambda: PrincipalCache(0.0))
    health: Health = field(default_factory=lambda: Health(0.0))
