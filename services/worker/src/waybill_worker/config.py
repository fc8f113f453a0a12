"""The worker's settings: one class, read from the environment once."""

from functools import cache

from pydantic_settings import BaseSettings


class WorkerSettings(BaseSettings):
    redis_url: str
    django_settings_module: str = "waybill_django.config.settings.production"
    outbox_relay_interval_seconds: float = 30.0
    webhook_dispatch_interval_seconds: float = 15.0
    job_requeue_interval_seconds: float = 60.0
    eta_refresh_interval_seconds: float = 60.0
    offline_check_interval_seconds: float = 60.0
    late_check_interval_seconds: float = 300.0
    broker_visibility_timeout_seconds: int = 15 * 60
    """Redis hands an unacknowledged task to another worker after this long: the longest a task held
    by a dead worker waits. Above every task's time limit plus its longest retry countdown."""
    task_max_deliveries: int = 5
    """A task delivered more often than this (its worker process died each time) is given up."""


@cache
def get_settings() -> WorkerSettings:
    return WorkerSettings()
