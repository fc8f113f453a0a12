from typing import Any

from waybill_contracts.tasks import SEND_INVITATION, InvitationEmail
from waybill_django.organizations.services import invitation_send_email
from waybill_worker import retry_policies
from waybill_worker.celery_app import app


@app.task(name=SEND_INVITATION, **retry_policies.EMAIL)
def send_invitation(**kwargs: Any) -> bool:
    payload = InvitationEmail.model_validate(kwargs)
    return invitation_send_email(invitation_id=payload.invitation_id)
