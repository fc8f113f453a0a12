"""Reports: volume by day and on-time rate, on the page and as CSV."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.shipments.models import Shipment

S = ShipmentStatus
ROAD = (S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED)


def test_the_daily_figures_count_volume_and_on_time_deliveries(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    now = timezone.now()
    make_shipment(
        "ON-TIME",
        *ROAD,
        vehicle=truck,
        delivery_window_start=now,
        delivery_window_end=now + timedelta(hours=2),
    )
    make_shipment(
        "LATE",
        *ROAD,
        vehicle=truck,
        delivery_window_start=now - timedelta(hours=3),
        delivery_window_end=now - timedelta(hours=1),
    )
    make_shipment("NO-WINDOW", *ROAD, vehicle=truck)
    make_shipment("DRAFT")
    client = signed_in(members[Role.VIEWER])

    page = client.get(reverse("dashboard:reports"), {"days": "7"})
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="chart__bar"') == 14
    assert "50%" in body  # one of the two deliveries with a window was on time

    download = client.get(reverse("dashboard:reports_csv"), {"days": "7"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert len(rows) == 7
    today = rows[-1]
    assert today["day"] == timezone.now().date().isoformat()
    assert (
        today["created"],
        today["delivered"],
        today["delivered_with_window"],
        today["delivered_on_time"],
    ) == (
        "4",
        "3",
        "2",
        "1",
    )
    assert today["on_time_rate"] == "0.5000"
    assert download["Content-Disposition"] == 'attachment; filename="waybill-daily-7d.csv"'


def test_an_unknown_period_falls_back_to_30_days(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    download = signed_in(members[Role.VIEWER]).get(reverse("dashboard:reports_csv"), {"days": "9999"})
    assert len(download.content.decode().strip().splitlines()) == 31
