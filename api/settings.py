"""API settings from the environment (``TRACKER_*``), read once when the app is made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """What the HTTP layer can be told; the database and site come from the bootstrap."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    # The JWT signing secret: TRACKER_SECRET_KEY, else a key file made 0600 on first start.
    secret_key: SecretStr | None = None
    secret_key_file: Path = Field(default_factory=lambda: Path.cwd() / "data" / "secret.key")
    token_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    # argon2 cost; the defaults follow argon2-cffi's (RFC 9106 "low memory" profile).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    stream_heartbeat: float = Field(default=15.0, gt=0)
    stream_queue: int = Field(default=1000, ge=1)
    max_batch: int = Field(default=1000, ge=1, le=1000)  # events a batch (schema caps 1000)
    # Gateway events dated further ahead of the server clock, or older, are refused.
    event_max_ahead_seconds: float = Field(default=300.0, ge=0)
    event_max_age_hours: float = Field(default=7 * 24.0, gt=0)
    # How long a process may go on accepting a bearer token after it last checked it
    # (api/principals.py): a revocation made by another process takes effect within
    # this; one made by this process at once. 0 checks every request. At most 5 s.
    principal_cache_seconds: float = Field(default=1.0, ge=0, le=5)
    # How long /healthz answers from its last look at the database.
    health_cache_seconds: float = Field(default=1.0, ge=0, le=10)
    # Request bodies larger than this are refused (413) before they are read whole.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Gateway batches over MQTT (api/mqtt.py): the broker (mqtt://host:1883), this
    # service's client id (default tracker-<host name>: one persistent session per
    # host), the shared-subscription group of the service hosts ("" = each takes all),
    # and how long the broker keeps the session, and so the messages, while it is away.
    mqtt_url: str = ""
    mqtt_client_id: str = Field(default="", max_length=64)
    mqtt_group: str = Field(default="tracker", pattern=r"^[A-Za-z0-9_-]*$")
    mqtt_session_hours: float = Field(default=7 * 24.0, gt=0, le=24 * 365)

    def audited(self) -> dict[str, Any]:
        """The settings as plain values for the administration log: everything but the
        signing secret itself."""
        return {
            k: str(v) if isinstance(v, Path) else v
            for k, v in self.model_dump(exclude={"secret_key"}).items()
        }
