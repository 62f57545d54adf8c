"""Console settings from the environment (``TRACKER_CONSOLE_*``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker.domain.sessions import SessionPolicy


class ConsoleSettings(BaseSettings):
    """How long a console session may sit idle and live, and the cookie's Secure flag."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_CONSOLE_", extra="ignore")

    idle_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    warn_seconds: int = Field(default=120, ge=10, le=3600)  # the warning before the timeout
    session_hours: float = Field(default=12.0, gt=0, le=7 * 24)
    touch_seconds: float = Field(default=20.0, ge=0, le=300)
    # "auto": Secure when the request came over TLS; "always" behind a TLS-ending proxy.
    secure_cookie: Literal["auto", "always", "never"] = "auto"

    @property
    def policy(self) -> SessionPolicy:
        """The session policy these settings describe."""
        idle = timedelta(minutes=self.idle_minutes)
        return SessionPolicy(
            idle=idle,
            lifetime=timedelta(hours=self.session_hours),
            touch_every=min(timedelta(seconds=self.touch_seconds), idle / 4),
        )
