"""The write path for shipments: every change of a shipment goes through here.

Each workflow step is one function. It locks the row, checks the actor's
role (drivers: only on their own vehicle) and the current state, then writes
the new state, a TrackingEvent, an AuditLog entry and an Outbox event in one
transaction. A refused step raises before anything is written.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import (
    ShipmentCreated,
    ShipmentDeliveryFailed,
    ShipmentStatusChanged,
    ShipmentUpdated,
)
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.errors import Conflict
from waybill_django.core.transactions import unit_of_work
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import (
    OWN_VEHICLE_ONLY,
    Action,
    check_permission,
    transition_action,
)
from waybill_django.organizations.selectors import membership_role
from waybill_django.outbox.services import outbox_record
from waybill_django.shipments.editing import editable_fields
from waybill_django.shipments.events import shipment_event
from waybill_django.shipments.labels import label_code_of, label_matches
from waybill_django.shipments.models import DETAIL_FIELDS, ProofOfDelivery, Shipment, TrackingEvent
from waybill_django.shipments.selectors import (
    shipment_driven_by,
    shipment_failed_delivery_allowed,
    shipment_moves_for,
)
from waybill_django.shipments.uploads import proof_file_name
from waybill_django.shipments.workflow import TransitionNotAllowed, check_transition


class ShipmentNotEditable(Conflict):
    def __init__(self, status: ShipmentStatus, fields: Iterable[str]) -> None:
        label = status.value.replace("_", " ")
        if not editable_fields(status):
            super().__init__(f"A {label} shipment's details cannot change any more.")
        else:
            names = ", ".join(name.replace("_", " ") for name in sorted(fields))
            super().__init__(f"Once a shipment is {label}, these details are fixed: {names}.")


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"These shipment fields cannot be set: {', '.join(sorted(unknown))}")


@unit_of_work()
def shipment_create(*, organization: Organization, actor: User, **details: Any) -> Shipment:
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_SHIPMENTS)
    _check_fields(details)
    shipment = Shipment(organization=organization, created_by=actor, **details)
    shipment.full_clean()
    shipment.save()
    now = timezone.now()
    TrackingEvent.unscoped.create(
        shipment=shipment, organization=organization, status=shipment.status, actor=actor, occurred_at=now
    )
    audit_record(action=AuditAction.SHIPMENT_CREATED, target=shipment, actor=actor, organization=organization)
    outbox_record(
        shipment_event(
            ShipmentCreated, shipment=shipment, occurred_at=now, status=ShipmentStatus(shipment.status)
        )
    )
    return shipment


@unit_of_work()
def shipment_update_details(*, shipment: Shipment, actor: User, fields: dict[str, Any]) -> Shipment:
    """Change descriptive fields (never the status) that its status still allows (``shipments.editing``)."""
    check_permission(actor=actor, organization=shipment.organization_id, action=Action.MANAGE_SHIPMENTS)
    _check_fields(fields)
    locked = Shipment.unscoped.select_for_update().get(pk=shipment.pk)
    before = {name: getattr(locked, name) for name in DETAIL_FIELDS}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    allowed = editable_fields(locked.status)
    fixed = {name for name in fields if before[name] != getattr(locked, name)} - allowed
    if fixed:
        raise ShipmentNotEditable(ShipmentStatus(locked.status), fixed)
    # The model may fill some fields itself (coordinates located from an address); it keeps
    # to the fields the status still allows.
    changed = sorted(
        name for name in DETAIL_FIELDS if before[name] != getattr(locked, name) and name in allowed
    )
    if not changed:
        return shipment
    locked.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action=AuditAction.SHIPMENT_UPDATED,
        target=locked,
        actor=actor,
        organization=locked.organization,
        data={"changed": changed},
    )
    outbox_record(
        shipment_event(ShipmentUpdated, shipment=locked, occurred_at=timezone.now(), changed_fields=changed)
    )
    shipment.refresh_from_db()
    return shipment


def shipment_check_move(*, shipment: Shipment, to_status: ShipmentStatus, actor: User) -> None:
    """Allow a move that ``shipment_moves_for`` offers; otherwise raise the reason (403 or 409)."""
    role = membership_role(user=actor, organization=shipment.organization_id)
    if to_status in shipment_moves_for(shipment=shipment, actor=actor, role=role):
        return
    current = ShipmentStatus(shipment.status)
    check_permission(
        actor=actor, organization=shipment.organization_id, action=transition_action(current, to_status)
    )
    if role in OWN_VEHICLE_ONLY and not shipment_driven_by(shipment=shipment, user=actor):
        raise PermissionDenied("Drivers act only on shipments assigned to their own vehicle.")
    left = ShipmentStatus(shipment.status_before_exception) if shipment.status_before_exception else None
    check_transition(current, to_status, left_for_exception=left)
    raise TransitionNotAllowed(current, to_status)


def _move(
    *,
    shipment: Shipment,
    actor: User,
    target: ShipmentStatus,
    note: str = "",
    apply: Callable[[Shipment], None] | None = None,
) -> Shipment:
    """The one place a status is written; callers are ``@unit_of_work()``."""
    locked = Shipment.unscoped.select_for_update(of=("self",)).select_related("vehicle").get(pk=shipment.pk)
    current = ShipmentStatus(locked.status)
    shipment_check_move(shipment=locked, to_status=target, actor=actor)

    locked.status = target.value
    locked.status_before_exception = current.value if target is ShipmentStatus.EXCEPTION else ""
    if current is ShipmentStatus.EXCEPTION:
        locked.exception_reason = ""
    if apply is not None:
        apply(locked)
    locked.save()
    now = timezone.now()
    TrackingEvent.unscoped.create(
        shipment=locked,
        organization_id=locked.organization_id,
        status=target.value,
        previous_status=current.value,
        note=note,
        actor=actor,
        occurred_at=now,
    )
    audit_record(
        action=AuditAction.shipment_moved_to(target),
        target=locked,
        actor=actor,
        organization=locked.organization,
        data={"from": current.value, "to": target.value, **({"note": note} if note else {})},
    )
    outbox_record(
        shipment_event(
            ShipmentStatusChanged,
            shipment=locked,
            occurred_at=now,
            previous_status=current,
            status=target,
            vehicle_id=locked.vehicle_id,
            reason=note,
        )
    )
    shipment.refresh_from_db()
    return shipment


@unit_of_work()
def shipment_book(*, shipment: Shipment, actor: User) -> Shipment:
    if shipment.status == ShipmentStatus.ASSIGNED.value:
        return shipment_unassign(shipment=shipment, actor=actor)
    return _move(shipment=shipment, actor=actor, target=ShipmentStatus.BOOKED)


@unit_of_work()
def shipment_unassign(*, shipment: Shipment, actor: User) -> Shipment:
    """Take an assigned shipment off its vehicle before pick-up: booked again, waiting for a vehicle."""
    plate = shipment.vehicle.plate if shipment.vehicle else ""

    def take_off_vehicle(locked: Shipment) -> None:
        locked.vehicle = None
        locked.eta = None
        locked.eta_computed_at = None
        locked.at_risk = False

    return _move(
        shipment=shipment,
        actor=actor,
        target=ShipmentStatus.BOOKED,
        note=f"Unassigned from {plate}" if plate else "Unassigned",
        apply=take_off_vehicle,
    )


@unit_of_work()
def shipment_assign(*, shipment: Shipment, vehicle: Vehicle, actor: User) -> Shipment:
    shipment_check_move(shipment=shipment, to_status=ShipmentStatus.ASSIGNED, actor=actor)
    if vehicle.organization_id != shipment.organization_id:
        raise ValidationError({"vehicle": "This vehicle belongs to another organization."})
    if not vehicle.active:
        raise ValidationError({"vehicle": f"Vehicle {vehicle.plate} is not active."})

    def put_on_vehicle(locked: Shipment) -> None:
        locked.vehicle = vehicle

    return _move(
        shipment=shipment,
        actor=actor,
        target=ShipmentStatus.ASSIGNED,
        note=f"Assigned to {vehicle.plate}",
        apply=put_on_vehicle,
    )


@unit_of_work()
def shipment_pick_up(*, shipment: Shipment, actor: User, label_code: str | None = None) -> Shipment:
    """Record the pick-up; with ``label_code`` (the parcel's label, scanned or typed) only if it is this one's.

    A label of another shipment refuses the pick-up (``ValidationError`` on ``label_code``) and
    records nothing: the driver is holding the wrong parcel.
    """
    if label_code is not None:
        shipment_check_move(shipment=shipment, to_status=ShipmentStatus.PICKED_UP, actor=actor)
        if not label_matches(shipment=shipment, scanned=label_code):
            read = label_code_of(label_code)
            raise ValidationError(
                {
                    "label_code": f"This is not the label of {shipment.reference}"
                    + (f" (it reads {read[:40]})" if read else "")
                    + ": check that you have the right parcel. The pick-up is not recorded."
                }
            )
    return _move(shipment=shipment, actor=actor, target=ShipmentStatus.PICKED_UP)


@unit_of_work()
def shipment_start_transit(*, shipment: Shipment, actor: User) -> Shipment:
    return _move(shipment=shipment, actor=actor, target=ShipmentStatus.IN_TRANSIT)


@unit_of_work()
def shipment_deliver(
    *,
    shipment: Shipment,
    actor: User,
    recipient_name: str,
    note: str = "",
    photo: File[bytes] | None = None,
    signature: File[bytes] | None = None,
    signed_name: str = "",
) -> Shipment:
    """Record the delivery and its proof (recipient, note, optional photo, signature image or typed name).

    ``signed_name`` is the signature of someone who cannot draw one (keyboard, screen reader).
    """
    shipment_check_move(shipment=shipment, to_status=ShipmentStatus.DELIVERED, actor=actor)
    recipient_name = recipient_name.strip()
    if not recipient_name:
        raise ValidationError({"recipient_name": "Say who received the shipment."})
    proof = ProofOfDelivery(
        shipment=shipment,
        recipient_name=recipient_name,
        note=note,
        signed_name=signed_name,
        recorded_by=actor,
    )
    if photo is not None:
        photo.name = proof_file_name(photo)
        proof.photo = photo
    if signature is not None:
        signature.name = proof_file_name(signature)
        proof.signature = signature
    proof.full_clean(exclude={"shipment"})
    shipment = _move(
        shipment=shipment, actor=actor, target=ShipmentStatus.DELIVERED, note=f"Received by {recipient_name}"
    )
    proof.save()
    return shipment


class DeliveryNotUnderway(Conflict):
    def __init__(self, status: ShipmentStatus) -> None:
        super().__init__(
            f"A delivery attempt can fail only while the shipment is in transit, not {status.value}."
        )


@unit_of_work()
def shipment_record_failed_delivery(*, shipment: Shipment, actor: User, reason: str) -> Shipment:
    """A delivery attempt failed: the timeline, the audit log and an event say why; the status stays in transit.

    Who may: whoever may move the shipment along (drivers on their own vehicle).
    The event emails the customer, streams to the dashboard and goes to webhooks.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the delivery failed."})
    locked = Shipment.unscoped.select_for_update(of=("self",)).select_related("vehicle").get(pk=shipment.pk)
    role = membership_role(user=actor, organization=locked.organization_id)
    if not shipment_failed_delivery_allowed(shipment=locked, actor=actor, role=role):
        # Say why, most basic reason first.
        check_permission(actor=actor, organization=locked.organization_id, action=Action.MOVE_SHIPMENTS)
        if locked.status != ShipmentStatus.IN_TRANSIT:
            raise DeliveryNotUnderway(ShipmentStatus(locked.status))
        raise PermissionDenied("Drivers act only on shipments assigned to their own vehicle.")
    now = timezone.now()
    TrackingEvent.unscoped.create(
        shipment=locked,
        organization_id=locked.organization_id,
        status=locked.status,
        previous_status=locked.status,
        note=f"Delivery attempt failed: {reason}",
        actor=actor,
        occurred_at=now,
    )
    audit_record(
        action=AuditAction.SHIPMENT_DELIVERY_FAILED,
        target=locked,
        actor=actor,
        organization=locked.organization,
        data={"reason": reason},
    )
    outbox_record(shipment_event(ShipmentDeliveryFailed, shipment=locked, occurred_at=now, reason=reason))
    shipment.refresh_from_db()
    return shipment


@unit_of_work()
def shipment_cancel(*, shipment: Shipment, actor: User, reason: str = "") -> Shipment:
    return _move(shipment=shipment, actor=actor, target=ShipmentStatus.CANCELLED, note=reason)


@unit_of_work()
def shipment_report_exception(*, shipment: Shipment, actor: User, reason: str) -> Shipment:
    shipment_check_move(shipment=shipment, to_status=ShipmentStatus.EXCEPTION, actor=actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say what went wrong."})

    def record_reason(locked: Shipment) -> None:
        locked.exception_reason = reason.strip()

    return _move(
        shipment=shipment,
        actor=actor,
        target=ShipmentStatus.EXCEPTION,
        note=reason.strip(),
        apply=record_reason,
    )


@unit_of_work()
def shipment_resolve_exception(*, shipment: Shipment, actor: User, note: str = "") -> Shipment:
    """Send a shipment in ``exception`` back to the status it left."""
    shipment.refresh_from_db(fields=["status_before_exception"])
    if not shipment.status_before_exception:
        raise Conflict("Only a shipment in exception can be resolved.")
    return _move(
        shipment=shipment,
        actor=actor,
        target=ShipmentStatus(shipment.status_before_exception),
        note=note,
    )


def shipment_transition(
    *,
    shipment: Shipment,
    to_status: ShipmentStatus,
    actor: User,
    vehicle: Vehicle | None = None,
    reason: str = "",
    recipient_name: str = "",
) -> Shipment:
    """Dispatch to the workflow function that moves a shipment to ``to_status``.

    For entry points that take the target as data (the admin form, the API).
    """
    # Role and state are checked first, so that a refused move says so rather than ask for data.
    shipment_check_move(shipment=shipment, to_status=to_status, actor=actor)
    if shipment.status == ShipmentStatus.EXCEPTION and shipment.status_before_exception == to_status.value:
        return shipment_resolve_exception(shipment=shipment, actor=actor, note=reason)
    match to_status:
        case ShipmentStatus.BOOKED:
            return shipment_book(shipment=shipment, actor=actor)
        case ShipmentStatus.ASSIGNED:
            if vehicle is None:
                raise ValidationError({"vehicle": "Choose the vehicle to assign the shipment to."})
            return shipment_assign(shipment=shipment, vehicle=vehicle, actor=actor)
        case ShipmentStatus.PICKED_UP:
            return shipment_pick_up(shipment=shipment, actor=actor)
        case ShipmentStatus.IN_TRANSIT:
            return shipment_start_transit(shipment=shipment, actor=actor)
        case ShipmentStatus.DELIVERED:
            return shipment_deliver(shipment=shipment, actor=actor, recipient_name=recipient_name)
        case ShipmentStatus.CANCELLED:
            return shipment_cancel(shipment=shipment, actor=actor, reason=reason)
        case ShipmentStatus.EXCEPTION:
            return shipment_report_exception(shipment=shipment, actor=actor, reason=reason)
        case ShipmentStatus.DRAFT:
            raise TransitionNotAllowed(ShipmentStatus(shipment.status), to_status)


def _copy_reference(*, organization: Organization, reference: str) -> str:
    """``<reference>-COPY``, numbered when taken, within the field's 64 characters."""
    taken = set(
        Shipment.objects.in_organization(organization)
        .filter(reference__startswith=reference[:50])
        .values_list("reference", flat=True)
    )
    for number in range(1, 1000):
        suffix = "-COPY" if number == 1 else f"-COPY-{number}"
        candidate = reference[: 64 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise Conflict("This shipment has been copied too often; give the copy a reference of its own.")


@unit_of_work()
def shipment_duplicate(*, shipment: Shipment, actor: User) -> Shipment:
    """A new draft with the same details (reference ``<reference>-COPY``), to adjust and book."""
    organization = shipment.organization
    details = {name: getattr(shipment, name) for name in DETAIL_FIELDS}
    details["reference"] = _copy_reference(organization=organization, reference=shipment.reference)
    return shipment_create(organization=organization, actor=actor, **details)
