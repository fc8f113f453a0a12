"""The figures of a delivery report, computed in SQL."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from waybill_contracts.enums import ShipmentStatus
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.shipments.punctuality import Punctuality, punctuality_expression


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
    """Delivered inside their delivery window (``shipments.punctuality``)."""
    delivered_early: int
    """Delivered before their delivery window opened."""
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
    totals = delivered.annotate(punctuality=punctuality_expression(delivered_at="delivered_at")).aggregate(
        delivered=Count("pk"),
        with_window=Count("pk", filter=~Q(punctuality=Punctuality.NO_WINDOW.value)),
        on_time=Count("pk", filter=Q(punctuality=Punctuality.ON_TIME.value)),
        early=Count("pk", filter=Q(punctuality=Punctuality.EARLY.value)),
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
        delivered_early=totals["early"],
        on_time_rate=round(totals["on_time"] / totals["with_window"], 4) if totals["with_window"] else None,
        average_transit_hours=round(transit.total_seconds() / 3600, 2) if transit is not None else None,
    )


def _deliveries(*, organization: Organization | int, first: date) -> QuerySet[TrackingEvent]:
    """Delivery events since ``first`` (UTC days), each with its punctuality."""
    return (
        TrackingEvent.objects.in_organization(organization)
        .filter(status=ShipmentStatus.DELIVERED.value, occurred_at__date__gte=first)
        .annotate(punctuality=punctuality_expression(delivered_at="occurred_at", shipment="shipment__"))
        .order_by()
    )


def _punctuality_counts() -> dict[str, Count]:
    return {
        "total": Count("id"),
        "with_window": Count("id", filter=~Q(punctuality=Punctuality.NO_WINDOW.value)),
        "on_time": Count("id", filter=Q(punctuality=Punctuality.ON_TIME.value)),
        "early": Count("id", filter=Q(punctuality=Punctuality.EARLY.value)),
        "late": Count("id", filter=Q(punctuality=Punctuality.LATE.value)),
    }


@dataclass(frozen=True)
class DeliveryCounts:
    delivered: int = 0
    delivered_with_window: int = 0
    delivered_on_time: int = 0
    delivered_early: int = 0
    delivered_late: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of deliveries with a window that arrived inside it; None without any."""
        return self.delivered_on_time / self.delivered_with_window if self.delivered_with_window else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "DeliveryCounts":
        return cls(
            delivered=int(row["total"]),
            delivered_with_window=int(row["with_window"]),
            delivered_on_time=int(row["on_time"]),
            delivered_early=int(row["early"]),
            delivered_late=int(row["late"]),
        )


@dataclass(frozen=True)
class DailyFigures(DeliveryCounts):
    day: date = date.min
    created: int = 0


def daily_figures(*, organization: Organization, days: int, today: date) -> list[DailyFigures]:
    """Shipments created and delivered per day (UTC), and how punctual the deliveries were."""
    first = today - timedelta(days=days - 1)
    created = dict(
        Shipment.objects.in_organization(organization)
        .filter(created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values_list("day")
        .annotate(count=Count("id"))
    )
    delivered = {
        row["day"]: DeliveryCounts.from_row(row)
        for row in _deliveries(organization=organization, first=first)
        .annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(**_punctuality_counts())
    }
    figures = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        counts = delivered.get(day, DeliveryCounts())
        figures.append(DailyFigures(**asdict(counts), day=day, created=created.get(day, 0)))
    return figures


class Breakdown(StrEnum):
    VEHICLE = "vehicle"
    DRIVER = "driver"
    CUSTOMER = "customer"


BREAKDOWN_LABELS = {
    Breakdown.VEHICLE: "By vehicle",
    Breakdown.DRIVER: "By driver",
    Breakdown.CUSTOMER: "By customer",
}
# The driver of a delivery is whoever recorded it (on the phone, that is the driver);
# a vehicle's driver can change, the delivery's recorder does not.
_BREAKDOWN_KEYS = {
    Breakdown.VEHICLE: ("shipment__vehicle__plate",),
    Breakdown.DRIVER: ("actor__full_name", "actor__email"),
    Breakdown.CUSTOMER: ("shipment__customer_name",),
}


@dataclass(frozen=True)
class BreakdownRow(DeliveryCounts):
    label: str = ""


def delivery_breakdown(
    *, organization: Organization, days: int, today: date, by: Breakdown
) -> list[BreakdownRow]:
    """Deliveries of the last ``days`` (UTC) grouped by vehicle, driver or customer, most first."""
    keys = _BREAKDOWN_KEYS[by]
    rows = (
        _deliveries(organization=organization, first=today - timedelta(days=days - 1))
        .values(*keys)
        .annotate(**_punctuality_counts())
        .order_by("-total", *keys)
    )
    return [
        BreakdownRow(**asdict(DeliveryCounts.from_row(row)), label=next((row[k] for k in keys if row[k]), ""))
        for row in rows
    ]
