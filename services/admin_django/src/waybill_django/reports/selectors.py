"""The figures of a delivery report, computed in SQL."""

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate

from waybill_contracts.enums import ShipmentStatus
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment, TrackingEvent


@dataclass(frozen=True)
class ReportFigures:
    shipments_created: int
    volume_by_status: dict[str, int]
    """Shipments created in the period, by their status now."""
    volume_by_day: dict[str, int]
    """Shipments created on each day of the period (ISO dates)."""
    delivered: int
    delivered_with_window: int
    delivered_on_time: int
    """Delivered no later than the end of their delivery window."""
    on_time_rate: float | None
    """On time among the delivered shipments that had a window; None without any."""
    average_transit_hours: float | None
    """From pick-up to delivery, over the shipments delivered in the period."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _bounds(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    return datetime.combine(period_start, time.min, UTC), datetime.combine(period_end, time.min, UTC)


def report_figures(
    *, organization: Organization | int, period_start: date, period_end: date
) -> ReportFigures:
    start, end = _bounds(period_start, period_end)
    created = Shipment.objects.in_organization(organization).filter(created_at__gte=start, created_at__lt=end)
    by_status = {
        row["status"]: row["count"]
        for row in created.order_by().values("status").annotate(count=Count("pk")).order_by("status")
    }
    by_day = {
        row["day"].isoformat(): row["count"]
        for row in created.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
    }

    def first(status: ShipmentStatus) -> Subquery:
        events = TrackingEvent.unscoped.filter(shipment=OuterRef("pk"), status=status.value)
        return Subquery(
            events.order_by("-occurred_at" if status is ShipmentStatus.DELIVERED else "occurred_at").values(
                "occurred_at"
            )[:1]
        )

    delivered = (
        Shipment.objects.in_organization(organization)
        .filter(status=ShipmentStatus.DELIVERED.value)
        .annotate(delivered_at=first(ShipmentStatus.DELIVERED), picked_up_at=first(ShipmentStatus.PICKED_UP))
        .filter(delivered_at__gte=start, delivered_at__lt=end)
    )
    totals = delivered.aggregate(
        delivered=Count("pk"),
        with_window=Count("pk", filter=Q(delivery_window_end__isnull=False)),
        on_time=Count("pk", filter=Q(delivered_at__lte=F("delivery_window_end"))),
        transit=Avg(ExpressionWrapper(F("delivered_at") - F("picked_up_at"), output_field=DurationField())),
    )
    transit: timedelta | None = totals["transit"]
    return ReportFigures(
        shipments_created=sum(by_status.values()),
        volume_by_status=by_status,
        volume_by_day=by_day,
        delivered=totals["delivered"],
        delivered_with_window=totals["with_window"],
        delivered_on_time=totals["on_time"],
        on_time_rate=round(totals["on_time"] / totals["with_window"], 4) if totals["with_window"] else None,
        average_transit_hours=round(transit.total_seconds() / 3600, 2) if transit is not None else None,
    )
