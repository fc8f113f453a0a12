"""The service's settings, read from the environment once (same names in every Waybill service)."""

from functools import lru_cache
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")
MIN_PRODUCTION_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str
    redis_url: str
    secret_key: SecretStr
    bind_host: str = "127.0.0.1"
    realtime_port: int = 8001
    ws_allowed_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated Origins a WebSocket may come from; development has defaults."
    )

    jwt_lifetime_seconds: int = Field(default=15 * 60, gt=0)
    ws_auth_timeout_seconds: float = Field(default=5.0, gt=0)
    ws_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    ws_max_message_bytes: int = Field(default=64 * 1024, gt=0)
    ws_send_queue_size: int = Field(default=1000, gt=0)
    ws_send_timeout_seconds: float = Field(
        default=5.0, gt=0, description="A client whose socket takes longer to drain is closed with 4002."
    )
    ws_max_subscriptions: int = Field(default=50, gt=0)
    stream_read_block_ms: int = Field(default=5000, gt=0)
    shutdown_grace_seconds: int = Field(default=5, ge=0)

    telemetry_max_age_seconds: float = Field(
        default=24 * 3600, gt=0, description="Positions recorded longer ago than this are refused."
    )
    telemetry_future_tolerance_seconds: float = Field(
        default=60, ge=0, description="Device clocks may run this far ahead; later positions are refused."
    )
    telemetry_publish_interval_ms: int = Field(
        default=1000, gt=0, description="Position updates are coalesced per vehicle over this tick."
    )
    eta_debounce_seconds: float = Field(
        default=30, gt=0, description="At most one ETA recomputation per shipment per this window."
    )
    db_retry_after_seconds: int = Field(
        default=5, gt=0, description="Retry-After of a 503 while the database is unreachable."
    )
    track_rate_limit_per_minute: int = Field(
        default=60, gt=0, description="Public tracking requests per client address per minute."
    )
    telemetry_rate_limit_per_minute: int = Field(
        default=600, gt=0, description="Telemetry batches per device (signed-in user) per minute."
    )
    telemetry_address_rate_limit_per_minute: int = Field(
        default=3000,
        gt=0,
        description="Telemetry batches per client address per minute (many devices behind a NAT).",
    )
    track_cache_seconds: int = Field(
        default=15, ge=0, description="Cache-Control max-age of public tracking."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("ws_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @model_validator(mode="after")
    def _check_environment(self) -> Self:
        secret = self.secret_key.get_secret_value()
        placeholder = secret.startswith("dev-insecure") or len(secret) < MIN_PRODUCTION_SECRET_LENGTH
        if self.environment == "production" and placeholder:
            raise ValueError(
                "SECRET_KEY is a placeholder; set a random secret of 32+ characters in production"
            )
        if not self.ws_allowed_origins and self.environment == "development":
            object.__setattr__(self, "ws_allowed_origins", DEVELOPMENT_ORIGINS)
        return self

    @property
    def async_database_url(self) -> str:
        """DATABASE_URL for SQLAlchemy's asyncpg driver (the other services use psycopg)."""
        scheme, _, rest = self.database_url.partition("://")
        if scheme not in {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"}:
            raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {scheme}://")
        return f"postgresql+asyncpg://{rest}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
