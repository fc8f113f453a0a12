"""What the public tracking page may tell a customer beyond the status: an arrival window and
roughly where their goods are.

Privacy: the page is open to anyone holding the code, so the vehicle's
position is shown only while the goods are on board (picked up or in
transit), only from a fix younger than the fleet's offline threshold, and
rounded to 0.1° (about 11 km north to south, 7 km east to west in central Europe):
enough to see the delivery coming, never a street, a stop or the driver's
route. No plate, speed, heading or time of the fix is shown.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from waybill_contracts.workflow import ON_BOARD
from waybill_django.fleet.models import Position
from waybill_django.shipments.models import Shipment

ARRIVAL_MARGIN = timedelta(minutes=30)
ARRIVAL_STEP_MINUTES = 15
POSITION_DECIMALS = 1


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
    """The vehicle's latest position rounded to 0.1°, while the goods are on board and the fix is fresh."""
    if shipment.status not in ON_BOARD or shipment.vehicle_id is None:
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
        round(position.latitude, POSITION_DECIMALS), round(position.longitude, POSITION_DECIMALS)
    )
