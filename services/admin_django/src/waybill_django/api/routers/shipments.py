from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile
from ninja.pagination import paginate
from ninja.params import FormEx, HeaderEx, P

from waybill_contracts.enums import ShipmentStatus
from waybill_django.api.auth import principal_of, require
from waybill_django.api.idempotency import idempotent_create
from waybill_django.api.input import BoundedPageNumberPagination, NonBlankText, Text
from waybill_django.api.schemas import (
    DeliveryFailureIn,
    Error,
    ShipmentCreate,
    ShipmentOut,
    ShipmentPatch,
    TrackingEventOut,
    TransitionIn,
)
from waybill_django.fleet.selectors import vehicle_get
from waybill_django.organizations.permissions import Action
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.selectors import shipment_get, shipment_list, shipment_timeline
from waybill_django.shipments.services import (
    shipment_create,
    shipment_deliver,
    shipment_record_failed_delivery,
    shipment_transition,
    shipment_update_details,
)

router = Router(tags=["shipments"])
ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: Error, 422: Error}


def _out(shipment: Shipment) -> dict[str, Any]:
    return ShipmentOut.from_orm(shipment).model_dump(mode="json")


@router.get("/shipments", response=list[ShipmentOut])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_shipments(
    request: HttpRequest, status: ShipmentStatus | None = None, vehicle_id: int | None = None, q: Text = ""
) -> Any:
    """The organization's shipments, newest first; filter by status, vehicle, or a search on reference and customer."""
    principal = principal_of(request)
    require(principal, Action.VIEW_SHIPMENTS)
    return shipment_list(organization=principal.organization, status=status, vehicle_id=vehicle_id, search=q)


@router.post("/shipments", response={201: ShipmentOut, **ERRORS})
def create_shipment(
    request: HttpRequest,
    payload: ShipmentCreate,
    idempotency_key: HeaderEx[str | None, P(alias="Idempotency-Key", max_length=255)] = None,
) -> Status[dict[str, Any]]:
    """Create a draft shipment. Send an ``Idempotency-Key`` so that a retry never creates a second one."""
    principal = principal_of(request)
    details = payload.model_dump()

    def create() -> tuple[int, dict[str, Any]]:
        shipment = shipment_create(organization=principal.organization, actor=principal.user, **details)
        return 201, _out(shipment)

    status, body = idempotent_create(
        organization=principal.organization,
        endpoint="shipments.create",
        key=idempotency_key,
        request_body=payload.model_dump(mode="json"),
        create=create,
    )
    return Status(status, body)


@router.get("/shipments/{shipment_id}", response={200: ShipmentOut, **ERRORS})
def get_shipment(request: HttpRequest, shipment_id: int) -> Shipment:
    principal = principal_of(request)
    require(principal, Action.VIEW_SHIPMENTS)
    return shipment_get(organization=principal.organization, shipment_id=shipment_id)


@router.patch("/shipments/{shipment_id}", response={200: ShipmentOut, **ERRORS})
def update_shipment(request: HttpRequest, shipment_id: int, payload: ShipmentPatch) -> Shipment:
    """Change the fields sent, as far as the shipment's status allows (409 for a fixed field)."""
    principal = principal_of(request)
    shipment = shipment_get(organization=principal.organization, shipment_id=shipment_id)
    return shipment_update_details(
        shipment=shipment, actor=principal.user, fields=payload.model_dump(exclude_unset=True)
    )


@router.post("/shipments/{shipment_id}/transitions", response={200: ShipmentOut, **ERRORS})
def transition_shipment(request: HttpRequest, shipment_id: int, payload: TransitionIn) -> Shipment:
    """Move the shipment along the workflow: 403 if your role may not, 409 if its status does not allow it."""
    principal = principal_of(request)
    shipment = shipment_get(organization=principal.organization, shipment_id=shipment_id)
    vehicle = (
        vehicle_get(organization=principal.organization, vehicle_id=payload.vehicle_id)
        if payload.vehicle_id is not None
        else None
    )
    return shipment_transition(
        shipment=shipment,
        to_status=payload.to_status,
        actor=principal.user,
        vehicle=vehicle,
        reason=payload.reason,
        recipient_name=payload.recipient_name,
    )


@router.post("/shipments/{shipment_id}/delivery", response={200: ShipmentOut, **ERRORS})
def deliver_shipment(
    request: HttpRequest,
    shipment_id: int,
    recipient_name: Form[NonBlankText],
    note: FormEx[Text, P(default="")] = "",
    photo: File[UploadedFile | None] = None,
    signature: File[UploadedFile | None] = None,
) -> Shipment:
    """Deliver with proof: the recipient's name, a note, and an optional photo or signature (PNG, JPEG or WebP)."""
    principal = principal_of(request)
    shipment = shipment_get(organization=principal.organization, shipment_id=shipment_id)
    return shipment_deliver(
        shipment=shipment,
        actor=principal.user,
        recipient_name=recipient_name,
        note=note,
        photo=photo,
        signature=signature,
    )


@router.post("/shipments/{shipment_id}/delivery-failures", response={200: ShipmentOut, **ERRORS})
def record_failed_delivery(request: HttpRequest, shipment_id: int, payload: DeliveryFailureIn) -> Shipment:
    """A delivery attempt failed: the shipment stays in transit; the customer is emailed, webhooks and the WebSocket carry it."""
    principal = principal_of(request)
    shipment = shipment_get(organization=principal.organization, shipment_id=shipment_id)
    return shipment_record_failed_delivery(shipment=shipment, actor=principal.user, reason=payload.reason)


@router.get("/shipments/{shipment_id}/events", response={200: list[TrackingEventOut], **ERRORS})
def shipment_events(request: HttpRequest, shipment_id: int) -> Any:
    """The shipment's timeline, oldest first."""
    principal = principal_of(request)
    require(principal, Action.VIEW_SHIPMENTS)
    return shipment_timeline(
        shipment=shipment_get(organization=principal.organization, shipment_id=shipment_id)
    )
