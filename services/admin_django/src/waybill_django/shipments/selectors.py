from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from waybill_contracts.enums import ShipmentStatus
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import ProofOfDelivery, Shipment, TrackingEvent


def shipment_list(
    *,
    organization: Organization,
    status: ShipmentStatus | None = None,
    vehicle_id: int | None = None,
    search: str = "",
) -> QuerySet[Shipment]:
    shipments = Shipment.objects.in_organization(organization)
    if status is not None:
        shipments = shipments.filter(status=status.value)
    if vehicle_id is not None:
        shipments = shipments.filter(vehicle_id=vehicle_id)
    if search:
        shipments = shipments.filter(
            Q(reference__icontains=search) | Q(customer_name__icontains=search) | Q(tracking_code=search)
        )
    return shipments.order_by("-created_at", "-id")


def shipment_get(*, organization: Organization, shipment_id: int) -> Shipment:
    """The organization's shipment, or 404 (the same answer whether it is elsewhere or nowhere)."""
    return get_object_or_404(Shipment.objects.in_organization(organization), pk=shipment_id)


def shipment_timeline(*, shipment: Shipment) -> QuerySet[TrackingEvent]:
    return TrackingEvent.objects.in_organization(shipment.organization_id).filter(shipment=shipment)


def proof_of_delivery(*, shipment: Shipment) -> ProofOfDelivery | None:
    """What the driver recorded at the door, or None before delivery."""
    return ProofOfDelivery.objects.filter(shipment=shipment).select_related("recorded_by").first()
