from typing import Any

from django.db import models

from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.models import AuditLog
from waybill_django.organizations.models import Organization


def audit_record(
    *,
    action: AuditAction,
    target: models.Model,
    actor: User | None,
    organization: Organization | None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Write one audit entry; call it inside the transaction of the change it records.

    ``action`` is a member of :class:`AuditAction`; any other string raises ``ValueError``
    before anything is written, so the log holds only actions a reader can look up.
    """
    return AuditLog.unscoped.create(
        organization=organization,
        actor=actor,
        action=AuditAction(action).value,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
