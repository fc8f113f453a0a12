"""What the local runner reads from the environment.

The variable names are the ones every service reads (see the README's
configuration table), so one ``.env`` drives the runner and the services.
"""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[4]


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
