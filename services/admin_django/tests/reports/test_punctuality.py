"""The on-time rule: inside the delivery window, bounds included; before it is early, after it late."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.shipments.punctuality import Punctuality, punctuality, punctuality_expression
from waybill_django.shipments.services import shipment_create

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(hours=2)
SECOND = timedelta(seconds=1)

EDGES = [
    # (window start, window end, delivered at, expected)
    (OPENS, CLOSES, OPENS - timedelta(hours=2), Punctuality.EARLY),
    (OPENS, CLOSES, OPENS - SECOND, Punctuality.EARLY),
    (OPENS, CLOSES, OPENS, Punctuality.ON_TIME),
    (OPENS, CLOSES, OPENS + timedelta(hours=1), Punctuality.ON_TIME),
    (OPENS, CLOSES, CLOSES, Punctuality.ON_TIME),
    (OPENS, CLOSES, CLOSES + SECOND, Punctuality.LATE),
    (None, CLOSES, OPENS - timedelta(days=1), Punctuality.ON_TIME),
    (None, CLOSES, CLOSES + SECOND, Punctuality.LATE),
    (OPENS, None, OPENS - SECOND, Punctuality.EARLY),
    (OPENS, None, OPENS + timedelta(days=3), Punctuality.ON_TIME),
    (None, None, OPENS, Punctuality.NO_WINDOW),
]


@pytest.mark.parametrize(("start", "end", "delivered_at", "expected"), EDGES)
def test_the_rule_for_one_delivery(
    start: datetime | None, end: datetime | None, delivered_at: datetime, expected: Punctuality
) -> None:
    assert punctuality(delivered_at=delivered_at, window_start=start, window_end=end) is expected


def test_the_sql_rule_agrees_with_the_python_rule_at_every_edge(
    organization: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(Role.OWNER)
    for index, (start, end, delivered_at, _expected) in enumerate(EDGES):
        shipment = shipment_create(
            organization=organization,
            actor=owner,
            reference=f"EDGE-{index}",
            origin_address="A",
            destination_address="B",
            delivery_window_start=start,
            delivery_window_end=end,
        )
        TrackingEvent.unscoped.create(
            shipment=shipment,
            organization=organization,
            status=ShipmentStatus.DELIVERED.value,
            previous_status=ShipmentStatus.IN_TRANSIT.value,
            occurred_at=delivered_at,
        )
    judged = dict(
        TrackingEvent.unscoped.filter(status=ShipmentStatus.DELIVERED.value)
        .annotate(p=punctuality_expression(delivered_at="occurred_at", shipment="shipment__"))
        .values_list("shipment__reference", "p")
    )
    assert judged == {f"EDGE-{i}": expected.value for i, (*_, expected) in enumerate(EDGES)}
    on_shipment = dict(
        Shipment.unscoped.filter(reference="EDGE-1")
        .annotate(p=punctuality_expression(delivered_at="delivery_window_start"))
        .values_list("reference", "p")
    )
    assert on_shipment == {"EDGE-1": Punctuality.ON_TIME.value}, "delivered at the opening: on time"
