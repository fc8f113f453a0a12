"""The webhook settings (declared in ``config/settings/base.py``), as one typed object."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class WebhookSettings:
    allow_private_targets: bool
    https_443_only: bool
    """Only https:// on port 443 (what production's egress lets out)."""
    retry_delays: tuple[timedelta, ...]
    """Delay before each retry; the delivery fails after the last one."""
    disable_after_failures: int
    """Consecutive failed attempts (across deliveries) that disable an endpoint."""
    timeout_seconds: float
    task_lease: timedelta
    """How long an enqueued attempt may take to run before the dispatcher enqueues it again."""


def webhook_settings() -> WebhookSettings:
    return WebhookSettings(
        allow_private_targets=settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
        https_443_only=settings.WEBHOOKS_HTTPS_443_ONLY,
        retry_delays=tuple(timedelta(seconds=delay) for delay in settings.WEBHOOKS_RETRY_DELAYS_SECONDS),
        disable_after_failures=settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
        timeout_seconds=settings.WEBHOOKS_TIMEOUT_SECONDS,
        task_lease=timedelta(seconds=settings.WEBHOOKS_TASK_LEASE_SECONDS),
    )
