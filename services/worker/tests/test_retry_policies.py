"""Tasks that fail the same way retry the same way: each uses one named policy (CODE-22)."""

from smtplib import SMTPException

from django.db import DatabaseError

from waybill_contracts.tasks import DELIVER_WEBHOOK, NOTIFY_SHIPMENT_EVENT, SEND_INVITATION
from waybill_worker.celery_app import app


def _policy(name: str) -> tuple[object, ...]:
    app.loader.import_default_modules()
    task = app.tasks[name]
    return tuple(
        getattr(task, option)
        for option in ("autoretry_for", "max_retries", "retry_backoff_max", "time_limit")
    )


def test_a_lost_smtp_server_is_retried_for_every_email_the_same_way() -> None:
    assert _policy(SEND_INVITATION) == _policy(NOTIFY_SHIPMENT_EVENT)
    assert SMTPException in _policy(SEND_INVITATION)[0]  # type: ignore[operator]  # a tuple of classes


def test_webhook_attempts_retry_only_infrastructure_failures() -> None:
    assert _policy(DELIVER_WEBHOOK)[0] == (DatabaseError, ConnectionError)
