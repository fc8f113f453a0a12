"""Estimated arrival of the shipments on their way, from their vehicle's recent positions.

The estimate is the great-circle distance from the vehicle's latest position
to the destination, at the vehicle's average speed over the last minutes. A
shipment is at risk when the estimate falls after its delivery window.

Telemetry arrives every few seconds; the realtime service asks for each
shipment's re-estimate at most once per debounce window, and an event is
published only when the estimate moves by a minute or more or the risk flag
flips, so the dashboard is not flooded.
"""

from datetime import datetime, timedelta
from statistics import fmean

from django.conf import settings
from django.utils import timezone

from waybill_contracts.events import ShipmentEtaUpdated
from waybill_contracts.workflow import ON_BOARD
from waybill_django.core.geo import distance_km
from waybill_django.core.transactions import unit_of_work
from waybill_django.fleet.models import Position
from waybill_django.outbox.services import outbox_record
from waybill_django.shipments.events import shipment_event
from waybill_django.shipments.models import Shipment

SPEED_WINDOW = timedelta(minutes=15)
MIN_SPEED_KMH = 3.0
"""Slower than this the vehicle is standing still: no estimate."""
SIGNIFICANT_CHANGE = timedelta(minutes=1)
STALE_BATCH_SIZE = 500


def estimate_arrival(*, recent: list[Position], latitude: float, longitude: float) -> datetime | None:
    """When a vehicle with these positions (newest first) reaches the point; None if it cannot tell."""
    if not recent:
        return None
    latest = recent[0]
    speeds = [p.speed_kmh for p in recent if p.speed_kmh is not None]
    if speeds:
        speed = fmean(speeds)
    else:
        oldest = recent[-1]
        hours = (latest.recorded_at - oldest.recorded_at).total_seconds() / 3600
        travelled = distance_km(oldest.latitude, oldest.longitude, latest.latitude, latest.longitude)
        speed = travelled / hours if hours > 0 else 0.0
    if speed < MIN_SPEED_KMH:
        return None
    remaining = distance_km(latest.latitude, latest.longitude, latitude, longitude)
    return latest.recorded_at + timedelta(hours=remaining / speed)


def shipment_eta_recompute(*, shipment_id: int) -> Shipment | None:
    """Re-estimate one shipment's arrival; None when it is not on its way or has no destination point."""
    with unit_of_work():
        shipment = (
            Shipment.unscoped.select_for_update(of=("self",))
            .filter(pk=shipment_id, status__in=ON_BOARD, vehicle__isnull=False)
            .exclude(destination_latitude__isnull=True)
            .exclude(destination_longitude__isnull=True)
            .first()
        )
        if (
            shipment is None
            or shipment.vehicle_id is None
            or shipment.destination_latitude is None
            or shipment.destination_longitude is None
        ):
            return None
        latest = Position.unscoped.filter(vehicle_id=shipment.vehicle_id).order_by("-recorded_at").first()
        recent = (
            list(
                Position.unscoped.filter(
                    vehicle_id=shipment.vehicle_id, recorded_at__gte=latest.recorded_at - SPEED_WINDOW
                ).order_by("-recorded_at")[:200]
            )
            if latest
            else []
        )
        eta = estimate_arrival(
            recent=recent, latitude=shipment.destination_latitude, longitude=shipment.destination_longitude
        )
        end = shipment.delivery_window_end
        at_risk = eta is not None and end is not None and eta > end
        changed = at_risk != shipment.at_risk or _moved(shipment.eta, eta)
        shipment.eta_computed_at = timezone.now()
        fields = ["eta_computed_at"]
        if changed:
            shipment.eta, shipment.at_risk = eta, at_risk
            fields += ["eta", "at_risk"]
            outbox_record(
                shipment_event(
                    ShipmentEtaUpdated,
                    shipment=shipment,
                    occurred_at=shipment.eta_computed_at,
                    eta=eta,
                    at_risk=at_risk,
                )
            )
        shipment.save(update_fields=fields)
    return shipment


def shipments_eta_refresh_stale(*, now: datetime) -> int:
    """Re-estimate the shipments on their way whose estimate is missing or older than the stale age.

    Catches up on those whose telemetry stopped (their estimate drifts as time
    passes) and on any recompute request that was lost.
    """
    stale_before = now - timedelta(seconds=settings.ETA_STALE_SECONDS)
    ids = list(
        Shipment.unscoped.filter(
            status__in=ON_BOARD, vehicle__isnull=False, destination_latitude__isnull=False
        )
        .exclude(eta_computed_at__gte=stale_before)
        .order_by("eta_computed_at")
        .values_list("pk", flat=True)[:STALE_BATCH_SIZE]
    )
    return sum(1 for shipment_id in ids if shipment_eta_recompute(shipment_id=shipment_id))


def _moved(before: datetime | None, after: datetime | None) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(after - before) >= SIGNIFICANT_CHANGE
