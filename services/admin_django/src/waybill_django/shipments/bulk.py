"""One workflow move applied to many shipments, each through its own workflow function.

Each shipment moves in its own transaction: one that is refused (wrong
status, another organization's, already moved by someone else) writes
nothing and does not stop the others, and each outcome says what happened,
so nothing is left half-done without the person being told which.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.core.errors import DOMAIN_ERRORS, refusal
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.shipments.models import STATUS_LABELS, Shipment
from waybill_django.shipments.services import shipment_assign, shipment_book, shipment_cancel

BULK_LIMIT = 200
"""Shipments one bulk action may name (a page of the list is 25)."""


class BulkAction(StrEnum):
    BOOK = "book"
    ASSIGN = "assign"
    CANCEL = "cancel"


BULK_ACTION_LABELS = {
    BulkAction.BOOK: "Book",
    BulkAction.ASSIGN: "Assign to a vehicle",
    BulkAction.CANCEL: "Cancel",
}
_TARGETS = {
    BulkAction.BOOK: ShipmentStatus.BOOKED,
    BulkAction.ASSIGN: ShipmentStatus.ASSIGNED,
    BulkAction.CANCEL: ShipmentStatus.CANCELLED,
}


@dataclass(frozen=True)
class BulkOutcome:
    shipment_id: int
    reference: str
    done: bool
    message: str


def shipments_bulk_move(
    *,
    organization: Organization,
    actor: User,
    shipment_ids: Iterable[int],
    action: BulkAction,
    vehicle: Vehicle | None = None,
    reason: str = "",
) -> list[BulkOutcome]:
    """Apply ``action`` to each named shipment of ``organization``; one outcome per id, in order.

    Refuses the whole request before writing anything when the actor may not
    manage shipments, when it names no shipment or too many, or when an
    assignment names no vehicle.
    """
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_SHIPMENTS)
    ids = list(dict.fromkeys(shipment_ids))
    if not ids:
        raise ValidationError({"shipments": "Select at least one shipment."})
    if len(ids) > BULK_LIMIT:
        raise ValidationError({"shipments": f"Select at most {BULK_LIMIT} shipments at once."})
    if action is BulkAction.ASSIGN and vehicle is None:
        raise ValidationError({"vehicle": "Choose the vehicle to assign the shipments to."})
    found = Shipment.objects.in_organization(organization).select_related("vehicle").in_bulk(ids)
    outcomes = []
    for shipment_id in ids:
        shipment = found.get(shipment_id)
        if shipment is None:
            outcomes.append(BulkOutcome(shipment_id, "", False, "No such shipment in this organization."))
            continue
        try:
            match action:
                case BulkAction.BOOK:
                    shipment_book(shipment=shipment, actor=actor)
                case BulkAction.ASSIGN:
                    assert vehicle is not None
                    shipment_assign(shipment=shipment, vehicle=vehicle, actor=actor)
                case BulkAction.CANCEL:
                    shipment_cancel(shipment=shipment, actor=actor, reason=reason.strip())
        except DOMAIN_ERRORS as error:
            outcomes.append(BulkOutcome(shipment.pk, shipment.reference, False, refusal(error).text))
        else:
            label = STATUS_LABELS[_TARGETS[action]].lower()
            outcomes.append(BulkOutcome(shipment.pk, shipment.reference, True, f"Now {label}."))
    return outcomes
