"""What the local runner reads from the environment.

The variable names are the ones every service reads (see the README's
configuration table), so one ``.env`` drives the runner and the services.
"""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[4]

# Listening on every interface still serves the browser on these names.
_ANY_ADDRESS = frozenset({"127.0.0.1", "0.0.0.0", "::", "localhost"})  # noqa: S104 - only compared


class DevSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=REPO_ROOT / ".env", extra="ignore")

    database_url: str | None = None
    redis_url: str | None = None
    bind_host: str = "127.0.0.1"
    django_port: int = 8000
    realtime_port: int = 8001
    local_postgres_port: int = 54320
    local_redis_port: int = 63790
    local_data_dir: Path = REPO_ROOT / ".local"
    # Derived from the ports and the data directory unless set.
    site_url: str | None = None
    ws_allowed_origins: str | None = None
    media_root: Path | None = None

    @property
    def browser_host(self) -> str:
        """The host name a browser uses for the local dashboard."""
        return "localhost" if self.bind_host in _ANY_ADDRESS else self.bind_host

    def service_environment(self) -> dict[str, str]:
        """What every process of ``make up`` reads beside the backends' URLs.

        The links in emails and the Origins the realtime service admits
        follow ``DJANGO_PORT``: a dashboard on another port would otherwise
        send links to port 8000 and have every WebSocket refused.
        """
        hosts = dict.fromkeys([self.browser_host, "localhost", "127.0.0.1"])
        origins = ",".join(f"http://{host}:{self.django_port}" for host in hosts)
        return {
            "BIND_HOST": self.bind_host,
            "DJANGO_PORT": str(self.django_port),
            "REALTIME_PORT": str(self.realtime_port),
            "SITE_URL": self.site_url or f"http://{self.browser_host}:{self.django_port}",
            "WS_ALLOWED_ORIGINS": self.ws_allowed_origins or origins,
            "MEDIA_ROOT": str(self.media_root or self.local_data_dir / "media"),
        }
