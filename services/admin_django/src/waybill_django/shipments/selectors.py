from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.tracking import (
    COARSE_POSITION_DECIMALS,
    ETA_VISIBLE_STATUSES,
    MAX_TRACKING_CODE_LENGTH,
    POSITION_VISIBLE_STATUSES,
    CoarsePosition,
    PublicTracking,
    TimelineEntry,
)
from waybill_contracts.workflow import ON_BOARD, ON_THE_ROAD, OPEN
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import OWN_VEHICLE_ONLY, Action, actor_may, transition_action
from waybill_django.shipments.models import ProofOfDelivery, Shipment, TrackingEvent
from waybill_django.shipments.workflow import allowed_targets

# A shipment whose window closes within this while it is not yet on its way is at risk.
AT_RISK_WITHIN = timedelta(hours=2)


def shipments_late(*, organization: Organization, now: datetime) -> QuerySet[Shipment]:
    """Open shipments whose delivery window has closed."""
    return (
        Shipment.objects.in_organization(organization)
        .filter(status__in=OPEN, delivery_window_end__lt=now)
        .select_related("vehicle")
        .order_by("delivery_window_end")
    )


def shipments_at_risk(*, organization: Organization, now: datetime) -> QuerySet[Shipment]:
    """Open shipments not late yet but at risk: flagged by the worker (ETA past the window), or
    whose window closes soon while they are not yet on their way."""
    closing_soon = Q(
        status__in=OPEN - {ShipmentStatus.IN_TRANSIT},
        delivery_window_end__lt=now + AT_RISK_WITHIN,
    )
    return (
        Shipment.objects.in_organization(organization)
        .filter(status__in=OPEN)
        .exclude(delivery_window_end__lt=now)
        .filter(Q(at_risk=True) | closing_soon)
        .select_related("vehicle")
        .order_by("delivery_window_end")
    )


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


def shipment_driven_by(*, shipment: Shipment, user: User) -> bool:
    """Whether ``user`` drives the vehicle the shipment is assigned to."""
    return shipment.vehicle is not None and shipment.vehicle.driver_id == user.pk


def shipment_moves_for(*, shipment: Shipment, actor: User, role: Role | None) -> list[ShipmentStatus]:
    """The statuses ``actor`` (holding ``role`` in the shipment's organization) may move it to now.

    The workflow's targets that the role allows; drivers only on their own
    vehicle. No query when ``shipment.vehicle`` is loaded, so a page listing
    shipments pays nothing per row. ``shipment_check_move`` enforces exactly this.
    """
    own_vehicle_only = role in OWN_VEHICLE_ONLY and not (actor.is_staff and actor.is_active)
    if own_vehicle_only and not shipment_driven_by(shipment=shipment, user=actor):
        return []
    current = ShipmentStatus(shipment.status)
    left = ShipmentStatus(shipment.status_before_exception) if shipment.status_before_exception else None
    return [
        target
        for target in ShipmentStatus
        if target in allowed_targets(current, left_for_exception=left)
        and actor_may(actor=actor, role=role, action=transition_action(current, target))
    ]


def shipment_failed_delivery_allowed(*, shipment: Shipment, actor: User, role: Role | None) -> bool:
    """Whether ``actor`` may record a failed delivery attempt now (``shipment_record_failed_delivery``)."""
    if shipment.status != ShipmentStatus.IN_TRANSIT or not actor_may(
        actor=actor, role=role, action=Action.MOVE_SHIPMENTS
    ):
        return False
    own_vehicle_only = role in OWN_VEHICLE_ONLY and not (actor.is_staff and actor.is_active)
    return not own_vehicle_only or shipment_driven_by(shipment=shipment, user=actor)


@dataclass(frozen=True)
class Stop:
    """A place the driver goes to: a shipment's origin or destination."""

    kind: str
    """"pickup" or "delivery"."""
    address: str
    latitude: float | None
    longitude: float | None


def shipment_next_stop(*, shipment: Shipment) -> Stop | None:
    """Where the vehicle goes next for ``shipment``: the origin until picked up, then the destination."""
    status = ShipmentStatus(shipment.status)
    if status is ShipmentStatus.ASSIGNED:
        return Stop("pickup", shipment.origin_address, shipment.origin_latitude, shipment.origin_longitude)
    if status in ON_BOARD or status is ShipmentStatus.EXCEPTION:
        return Stop(
            "delivery",
            shipment.destination_address,
            shipment.destination_latitude,
            shipment.destination_longitude,
        )
    return None


def _tracked(code: str) -> QuerySet[Shipment]:
    """The shipment a public tracking code names, whatever its organization (the code is the secret)."""
    return Shipment.unscoped.filter(tracking_code=code).only(
        "id", "organization_id", "vehicle_id", "tracking_code", "status", "eta"
    )


def _status_changes(shipment: Shipment) -> QuerySet[TrackingEvent, tuple[str, datetime]]:
    # Status changes only: a failed delivery attempt, say, keeps the status and is told by email.
    return (
        TrackingEvent.objects.in_organization(shipment.organization_id)
        .filter(shipment_id=shipment.pk)
        .exclude(status=F("previous_status"))
        .order_by("occurred_at", "id")
        .values_list("status", "occurred_at")
    )


def _last_fix(shipment: Shipment) -> QuerySet[Position, tuple[float, float, datetime]] | None:
    """The vehicle's latest position while the shipment is on board; None when none may be shown."""
    vehicle_id = shipment.vehicle_id
    if vehicle_id is None or ShipmentStatus(shipment.status) not in POSITION_VISIBLE_STATUSES:
        return None
    return (
        Position.objects.in_organization(shipment.organization_id)
        .filter(vehicle_id=vehicle_id)
        .order_by("-recorded_at")
        .values_list("latitude", "longitude", "recorded_at")
    )


def _public_view(
    shipment: Shipment, timeline: list[tuple[str, datetime]], fix: tuple[float, float, datetime] | None
) -> PublicTracking:
    status = ShipmentStatus(shipment.status)
    return PublicTracking(
        tracking_code=shipment.tracking_code,
        status=status,
        eta=shipment.eta if status in ETA_VISIBLE_STATUSES else None,
        last_position=None
        if fix is None
        else CoarsePosition(
            latitude=round(fix[0], COARSE_POSITION_DECIMALS),
            longitude=round(fix[1], COARSE_POSITION_DECIMALS),
            recorded_at=fix[2].replace(second=0, microsecond=0),
        ),
        timeline=[TimelineEntry(status=ShipmentStatus(s), occurred_at=at) for s, at in timeline],
    )


def public_tracking(*, code: str) -> PublicTracking | None:
    """What a customer holding ``code`` may see (the same answer as the realtime ``GET /v1/track``)."""
    if len(code) > MAX_TRACKING_CODE_LENGTH:
        return None
    shipment = _tracked(code).first()
    if shipment is None:
        return None
    last_fix = _last_fix(shipment)
    fix = None if last_fix is None else last_fix.first()
    return _public_view(shipment, list(_status_changes(shipment)), fix)


async def apublic_tracking(*, code: str) -> PublicTracking | None:
    """``public_tracking`` through Django's async ORM, for async views."""
    if len(code) > MAX_TRACKING_CODE_LENGTH:
        return None
    shipment = await _tracked(code).afirst()
    if shipment is None:
        return None
    last_fix = _last_fix(shipment)
    fix = None if last_fix is None else await last_fix.afirst()
    return _public_view(shipment, [row async for row in _status_changes(shipment)], fix)


def vehicle_manifest(*, vehicle: Vehicle, day: date, time_zone: str) -> QuerySet[Shipment]:
    """What a vehicle carries on ``day`` (in ``time_zone``), in the order it is due.

    The shipments on the vehicle, not cancelled, whose first window time
    (pickup start, else delivery start, else delivery end) falls on that day,
    and those on the road that have no window at all.
    """
    zone = ZoneInfo(time_zone)
    start = datetime.combine(day, time.min, zone)
    end = start + timedelta(days=1)
    due = Coalesce("pickup_window_start", "delivery_window_start", "delivery_window_end")
    return (
        Shipment.objects.in_organization(vehicle.organization_id)
        .filter(vehicle=vehicle)
        .exclude(status=ShipmentStatus.CANCELLED.value)
        .annotate(due=due)
        .filter(Q(due__gte=start, due__lt=end) | Q(due__isnull=True, status__in=ON_THE_ROAD))
        .order_by(F("due").asc(nulls_last=True), "reference")
    )
