from smtplib import SMTPException
from typing import Any

from django.db import DatabaseError

from waybill_contracts.tasks import SEND_INVITATION, InvitationEmail
from waybill_django.organizations.services import invitation_send_email
from waybill_worker.celery_app import app


@app.task(
    name=SEND_INVITATION,
    autoretry_for=(DatabaseError, SMTPException, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=30,
    time_limit=60,
)
def send_invitation(**kwargs: Any) -> bool:
    payload = InvitationEmail.model_validate(kwargs)
    return invitation_send_email(invitation_id=payload.invitation_id)
