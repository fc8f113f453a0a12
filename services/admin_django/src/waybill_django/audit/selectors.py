"""Reading an organization's audit log: filtered, newest first."""

from datetime import datetime

from django.db.models import QuerySet

from waybill_django.audit.models import AuditLog
from waybill_django.organizations.models import Organization


def audit_log_list(
    *,
    organization: Organization,
    action: str = "",
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditLog]:
    """The organization's entries (never another's, nor platform-wide ones), newest first."""
    entries = AuditLog.objects.in_organization(organization).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries.order_by("-created_at", "-id")


def audit_log_actions(*, organization: Organization) -> list[str]:
    """The actions the organization's log holds, to filter by."""
    return list(
        AuditLog.objects.in_organization(organization)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
