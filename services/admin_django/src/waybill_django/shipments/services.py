"""The write path for shipments: every change of a shipment goes through here."""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import ShipmentCreated, ShipmentStatusChanged
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, role_allows
from waybill_django.organizations.selectors import membership_role
from waybill_django.outbox.services import outbox_record
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.workflow import check_transition

DETAIL_FIELDS = (
    "reference",
    "customer_name",
    "customer_email",
    "origin_address",
    "destination_address",
)


def _check_may_manage(*, actor: User, organization: Organization) -> None:
    if actor.is_staff:
        return
    role = membership_role(user=actor, organization=organization)
    if role is None or not role_allows(role, Action.MANAGE_SHIPMENTS):
        raise PermissionDenied("Your role in this organization does not allow managing shipments.")


@transaction.atomic
def shipment_create(*, organization: Organization, actor: User, **details: Any) -> Shipment:
    _check_may_manage(actor=actor, organization=organization)
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown shipment fields: {', '.join(sorted(unknown))}")
    shipment = Shipment(organization=organization, created_by=actor, **details)
    shipment.full_clean()
    shipment.save()
    outbox_record(
        ShipmentCreated(
            event_id=uuid.uuid4(),
            organization_id=organization.pk,
            occurred_at=timezone.now(),
            shipment_id=shipment.pk,
            reference=shipment.reference,
            status=ShipmentStatus(shipment.status),
        )
    )
    return shipment


@transaction.atomic
def shipment_update_details(*, shipment: Shipment, actor: User, fields: dict[str, Any]) -> Shipment:
    """Change descriptive fields (never the status)."""
    _check_may_manage(actor=actor, organization=shipment.organization)
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"These fields cannot be edited: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(shipment, name, value)
    shipment.full_clean()
    shipment.save(update_fields=[*fields, "updated_at"])
    return shipment


@transaction.atomic
def shipment_transition(*, shipment: Shipment, to_status: ShipmentStatus, actor: User) -> Shipment:
    """Move a shipment to ``to_status`` if the workflow and the actor's role allow it."""
    _check_may_manage(actor=actor, organization=shipment.organization)
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    current = ShipmentStatus(locked.status)
    left_for_exception = (
        ShipmentStatus(locked.status_before_exception) if locked.status_before_exception else None
    )
    check_transition(current, to_status, left_for_exception=left_for_exception)

    locked.status_before_exception = current.value if to_status is ShipmentStatus.EXCEPTION else ""
    locked.status = to_status.value
    locked.save(update_fields=["status", "status_before_exception", "updated_at"])
    outbox_record(
        ShipmentStatusChanged(
            event_id=uuid.uuid4(),
            organization_id=locked.organization_id,
            occurred_at=timezone.now(),
            shipment_id=locked.pk,
            reference=locked.reference,
            previous_status=current,
            status=to_status,
        )
    )
    shipment.refresh_from_db()
    return shipment
