from typing import Any

from django.db import models

from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.organizations.models import Organization


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: User | None,
    organization: Organization | None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Write one audit entry; call it inside the transaction of the change it records."""
    return AuditLog.unscoped.create(
        organization=organization,
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
