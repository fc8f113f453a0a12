from typing import Any

from waybill_contracts.tasks import DELIVER_WEBHOOK, DISPATCH_DUE_WEBHOOKS, ScheduledRun, WebhookAttempt
from waybill_django.webhooks.services import webhook_attempt, webhook_attempt_abandon, webhook_dispatch_due
from waybill_worker import retry_policies
from waybill_worker.celery_app import app


def _abandon_attempt(kwargs: dict[str, Any], reason: str) -> None:
    payload = WebhookAttempt.model_validate(kwargs)
    webhook_attempt_abandon(delivery_id=payload.delivery_id, attempt=payload.attempt, reason=reason)


@app.task(name=DELIVER_WEBHOOK, abandon=staticmethod(_abandon_attempt), **retry_policies.WEBHOOK)
def deliver_webhook(**kwargs: Any) -> str:
    payload = WebhookAttempt.model_validate(kwargs)
    log = webhook_attempt(delivery_id=payload.delivery_id, attempt=payload.attempt)
    if log is None:
        return "not due"
    return "delivered" if log.succeeded else f"failed: {log.status_code or log.error}"


@app.task(name=DISPATCH_DUE_WEBHOOKS, soft_time_limit=50, time_limit=60)
def dispatch_due_webhooks(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return webhook_dispatch_due()
