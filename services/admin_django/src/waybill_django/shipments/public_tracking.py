"""What the public tracking page may tell a customer beyond the status: an arrival window and
roughly where their goods are.

Privacy: the page is open to anyone holding the code, so the vehicle's
position follows the public tracking contract (``waybill_contracts.tracking``,
also behind ``/t/<code>/status`` and the realtime ``/v1/track``): only while
the goods are on board, rounded to 0.01° (about 1 km), and here also only from
a fix younger than the fleet's offline threshold (a vehicle that stopped
reporting is not shown where it once was). No plate, speed, heading or time of
the fix is shown on the page.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.tracking import COARSE_POSITION_DECIMALS, POSITION_VISIBLE_STATUSES
from waybill_django.fleet.models import Position
from waybill_django.shipments.models import Shipment

ARRIVAL_MARGIN = timedelta(minutes=30)
ARRIVAL_STEP_MINUTES = 15


@dataclass(frozen=True)
class ArrivalWindow:
    start: datetime
    end: datetime


def arrival_window(*, eta: datetime) -> ArrivalWindow:
    """The estimate ± 30 minutes, widened outwards to quarter hours: a promise a customer can plan on."""
    start = eta - ARRIVAL_MARGIN
    start -= timedelta(
        minutes=start.minute % ARRIVAL_STEP_MINUTES, seconds=start.second, microseconds=start.microsecond
    )
    end = eta + ARRIVAL_MARGIN
    if end.minute % ARRIVAL_STEP_MINUTES or end.second or end.microsecond:
        end += timedelta(minutes=ARRIVAL_STEP_MINUTES - end.minute % ARRIVAL_STEP_MINUTES)
        end -= timedelta(seconds=end.second, microseconds=end.microsecond)
    return ArrivalWindow(start, end)


@dataclass(frozen=True)
class ApproximatePosition:
    latitude: float
    longitude: float


def approximate_position(*, shipment: Shipment, now: datetime) -> ApproximatePosition | None:
    """The vehicle's latest position, rounded, while the goods are on board and the fix is fresh."""
    if ShipmentStatus(shipment.status) not in POSITION_VISIBLE_STATUSES or shipment.vehicle_id is None:
        return None
    fresh_after = now - timedelta(seconds=settings.VEHICLE_OFFLINE_AFTER_SECONDS)
    position = (
        Position.objects.in_organization(shipment.organization_id)
        .filter(vehicle_id=shipment.vehicle_id, recorded_at__gte=fresh_after, recorded_at__lte=now)
        .order_by("-recorded_at")
        .only("latitude", "longitude")
        .first()
    )
    if position is None:
        return None
    return ApproximatePosition(
        round(position.latitude, COARSE_POSITION_DECIMALS),
        round(position.longitude, COARSE_POSITION_DECIMALS),
    )
