"""The worker's settings: one class, read from the environment once."""

from functools import cache

from pydantic_settings import BaseSettings


class WorkerSettings(BaseSettings):
    redis_url: str
    environment: str = "production"
    django_settings_module: str = "waybill_django.config.settings.production"
    outbox_relay_interval_seconds: float = 30.0


@cache
def get_settings() -> WorkerSettings:
    return WorkerSettings()
