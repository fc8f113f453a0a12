"""Reports: axis values on the charts, early deliveries apart, and deliveries by vehicle, driver, customer."""

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment

S = ShipmentStatus
ROAD = (S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED)


def test_a_delivery_before_its_window_opened_is_early_not_on_time(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    now = timezone.now()
    make_shipment(
        "EARLY",
        *ROAD,
        vehicle=truck,
        delivery_window_start=now + timedelta(hours=2),
        delivery_window_end=now + timedelta(hours=4),
    )
    make_shipment(
        "ON-TIME",
        *ROAD,
        vehicle=truck,
        delivery_window_start=now - timedelta(hours=1),
        delivery_window_end=now + timedelta(hours=1),
    )
    client = signed_in(members[Role.VIEWER])

    body = client.get(reverse("dashboard:reports"), {"days": "7"}).content.decode()
    assert re.search(r'counter__value">50%<.*On time', body), "one of the two is on time, not both"
    assert re.search(r'counter__value">1<[^<]*<span class="counter__label">Early', body)

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("dashboard:reports_csv"), {"days": "7"}).content.decode())
        )
    )
    today = rows[-1]
    assert (today["delivered_on_time"], today["delivered_early"], today["on_time_rate"]) == (
        "1",
        "1",
        "0.5000",
    )


def test_the_charts_show_their_axis_values(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
) -> None:
    for index in range(6):
        make_shipment(f"VOL-{index}")
    body = signed_in(members[Role.VIEWER]).get(reverse("dashboard:reports"), {"days": "7"}).content.decode()

    volume = body[body.index('id="volume-title"') : body.index('id="ontime-title"')]
    y_values = re.findall(r'chart__tick--y"[^>]*>([^<]+)<', volume)
    assert y_values == ["0", "2", "4", "6", "8"], "six shipments today: a scale of whole numbers up to 8"
    x_labels = re.findall(r'chart__tick--x"[^>]*>([^<]+)<', volume)
    assert x_labels[-1] == f"{timezone.now():%b %d}"
    assert len(x_labels) == 7

    on_time = body[body.index('id="ontime-title"') :]
    assert re.findall(r'chart__tick--y"[^>]*>([^<]+)<', on_time) == ["0%", "25%", "50%", "75%", "100%"]


def test_deliveries_are_broken_down_by_vehicle_driver_and_customer(
    organization: Organization,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    van = Vehicle.unscoped.create(organization=organization, plate="VAN-<b>2</b>")
    now = timezone.now()
    late = {
        "delivery_window_start": now - timedelta(hours=3),
        "delivery_window_end": now - timedelta(hours=1),
    }
    make_shipment("T1", *ROAD, vehicle=truck, actor=members[Role.DISPATCHER], **late)
    make_shipment("T2", *ROAD, vehicle=truck, actor=members[Role.DISPATCHER])
    make_shipment("V1", *ROAD, vehicle=van, actor=members[Role.ADMIN])
    Shipment.unscoped.filter(reference="V1").update(customer_name="<i>Acme</i>")
    make_shipment("OPEN", S.BOOKED)

    page = signed_in(members[Role.VIEWER]).get(reverse("dashboard:reports"), {"days": "7"})
    body = page.content.decode()
    main = body[body.index("<main") :]
    assert "<h2>Deliveries in the last 7 days</h2>" in main, "the breakdowns are in the page's content"

    def table(key: str) -> list[list[str]]:
        start = body.index(f'id="breakdown-{key}-table"')
        chunk = body[start : body.index("</table>", start)]
        rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", chunk)
        return [[label, *re.findall(r"<td>(.*?)</td>", cells)] for label, cells in rows]

    assert table("vehicle") == [
        [truck.plate, "2", "0%", "0", "1"],
        ["VAN-&lt;b&gt;2&lt;/b&gt;", "1", "—", "0", "0"],
    ]
    dispatcher, admin = members[Role.DISPATCHER], members[Role.ADMIN]
    assert table("driver") == [
        [dispatcher.full_name or dispatcher.email, "2", "0%", "0", "1"],
        [admin.full_name or admin.email, "1", "—", "0", "0"],
    ]
    customers = table("customer")
    assert ["&lt;i&gt;Acme&lt;/i&gt;", "1", "—", "0", "0"] in customers
    assert len(customers) == 3
