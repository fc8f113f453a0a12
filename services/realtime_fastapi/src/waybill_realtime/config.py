"""The service's settings, read from the environment once (same names in every Waybill service)."""

import ssl
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from waybill_contracts.secrets import SIGNING_KEY_RULE, is_production_secret


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Fails closed like Django's settings module: an unset ENVIRONMENT is production.
    environment: Literal["development", "test", "production"] = "production"
    database_url: str
    redis_url: str
    secret_key: SecretStr
    bind_host: str = "127.0.0.1"
    realtime_port: int = 8001
    ws_allowed_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated Origins a WebSocket may come from; development has defaults."
    )

    django_port: int = Field(
        default=8000,
        gt=0,
        description="Development only: the dashboard's port, allowed as a WebSocket Origin.",
    )
    jwt_lifetime_seconds: int = Field(default=15 * 60, gt=0)
    ws_auth_timeout_seconds: float = Field(default=5.0, gt=0)
    ws_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    ws_max_message_bytes: int = Field(default=64 * 1024, gt=0)
    ws_send_queue_size: int = Field(default=1000, gt=0)
    ws_send_timeout_seconds: float = Field(
        default=5.0, gt=0, description="A client whose socket takes longer to drain is closed with 4002."
    )
    ws_socket_send_buffer_bytes: int = Field(
        default=64 * 1024,
        ge=0,
        description="Kernel send buffer per WebSocket (0: the kernel's autotuning, up to megabytes): small, so"
        " that a client falling behind shows in the server's bounded queue within a second, not after minutes.",
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
    track_rate_limit_batch: int = Field(
        default=10,
        ge=1,
        description="At most this many of a client's tracking requests reserved from Redis at a time"
        " (``ratelimit.ReservedLimit``); 1 counts every request in Redis.",
    )
    telemetry_rate_limit_per_minute: int = Field(
        default=600, gt=0, description="Telemetry batches per device (signed-in user) per minute."
    )
    telemetry_address_rate_limit_per_minute: int = Field(
        default=3000,
        gt=0,
        description="Telemetry batches per client address per minute (many devices behind a NAT).",
    )
    telemetry_account_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="A telemetry device's account is read from the database at most this often while the"
        " access stream is followed (changes of access drop it at once); 0: read on every batch.",
    )
    track_projection_ttl_seconds: int = Field(
        default=3600,
        ge=0,
        description="A looked-up tracking view is kept current in Redis this long after its last database read;"
        " 0: every lookup reads the database.",
    )
    track_cache_seconds: int = Field(
        default=15, ge=0, description="Cache-Control max-age of public tracking."
    )
    trusted_proxy_count: int = Field(
        default=0,
        ge=0,
        description="Proxies in front that append to X-Forwarded-For; 0: the header is ignored.",
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
        if self.environment == "production" and not is_production_secret(self.secret_key.get_secret_value()):
            raise ValueError(SIGNING_KEY_RULE)
        if not self.ws_allowed_origins and self.environment == "development":
            dashboard = (f"http://{host}:{self.django_port}" for host in ("localhost", "127.0.0.1"))
            object.__setattr__(self, "ws_allowed_origins", tuple(dashboard))
        return self

    @property
    def async_database_url(self) -> str:
        """DATABASE_URL for SQLAlchemy's asyncpg driver, without libpq's TLS parameters (see ``database_ssl``)."""
        return asyncpg_database(self.database_url).url

    @property
    def database_ssl(self) -> str | ssl.SSLContext | None:
        """asyncpg's ``ssl`` argument, from the libpq parameters (``sslmode``, ``sslrootcert``...) of DATABASE_URL."""
        return asyncpg_database(self.database_url).ssl


# libpq's TLS parameters, which psycopg (Django, the worker) understands and asyncpg refuses as keywords.
LIBPQ_SSL_PARAMETERS = ("sslmode", "sslrootcert", "sslcert", "sslkey")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class AsyncpgDatabase:
    url: str
    ssl: str | ssl.SSLContext | None


def asyncpg_database(database_url: str) -> AsyncpgDatabase:
    """One DATABASE_URL for every service: translate what psycopg reads into what asyncpg takes."""
    parts = urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"}:
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme}://")
    query = parse_qsl(parts.query, keep_blank_values=True)
    tls = {key: value for key, value in query if key in LIBPQ_SSL_PARAMETERS}
    rest = [(key, value) for key, value in query if key not in LIBPQ_SSL_PARAMETERS]
    url = urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, urlencode(rest), parts.fragment))
    return AsyncpgDatabase(url=url, ssl=_asyncpg_ssl(tls))


def _asyncpg_ssl(tls: dict[str, str]) -> str | ssl.SSLContext | None:
    mode = tls.get("sslmode")
    if mode is not None and mode not in SSL_MODES:
        raise ValueError(f"DATABASE_URL: sslmode must be one of {', '.join(SSL_MODES)}, not {mode!r}")
    root, cert, key = tls.get("sslrootcert"), tls.get("sslcert"), tls.get("sslkey")
    if mode == "disable" or not (root or cert):
        return mode  # asyncpg takes libpq's mode names as they are
    # As libpq does: with a root certificate even "require" verifies the server's chain.
    verify = bool(root) or mode in {"verify-ca", "verify-full"}
    context = ssl.create_default_context(cafile=root)
    context.check_hostname = verify and mode == "verify-full"
    if not verify:
        context.verify_mode = ssl.CERT_NONE
    if cert:
        context.load_cert_chain(cert, key)
    return context


@lru_cache
def get_settings() -> Settings:
    return Settings()
