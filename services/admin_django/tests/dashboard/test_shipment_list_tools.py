"""The shipments list's tools: bulk book/assign/cancel through the workflow, CSV export,
the label with its QR code, a vehicle's day manifest, duplicating, editing after assignment."""

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import Shipment, TrackingEvent

S = ShipmentStatus


def outcomes(body: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'data-outcome="(done|refused)">\s*<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>\s*<td>[^<]*</td><td>([^<]*)</td>',
        body,
    )
    return {reference: (outcome, message) for outcome, reference, message in rows}


def test_bulk_booking_moves_each_shipment_through_the_workflow_and_says_which_were_refused(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    elsewhere: tuple[User, Shipment, Vehicle],
) -> None:
    first, second = make_shipment("D-1"), make_shipment("D-2")
    already = make_shipment("B-1", S.BOOKED)
    foreign = elsewhere[1]
    client = signed_in(members[Role.DISPATCHER])

    response = client.post(
        reverse("dashboard:shipments_bulk"),
        {
            "action": "book",
            "shipment": [first.pk, already.pk, second.pk, foreign.pk],
            "next": "/shipments/?status=draft",
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Book: 2 done, 2 not done" in body
    assert outcomes(body) == {
        "D-1": ("done", "Now booked."),
        "B-1": ("refused", "A shipment cannot go from booked to booked."),
        "D-2": ("done", "Now booked."),
        f"#{foreign.pk}": ("refused", "No such shipment in this organization."),
    }
    assert 'href="/shipments/?status=draft"' in body
    for shipment in (first, second):
        shipment.refresh_from_db()
        assert shipment.status == S.BOOKED
        # The workflow's own records, as for a move made one by one.
        assert TrackingEvent.unscoped.filter(shipment=shipment, status=S.BOOKED).count() == 1
        assert AuditLog.unscoped.filter(action="shipment.booked", target_id=str(shipment.pk)).exists()
    foreign.refresh_from_db()
    assert foreign.status == S.DRAFT


def test_bulk_assign_needs_a_vehicle_and_writes_nothing_without_one(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    booked = [make_shipment(f"B-{i}", S.BOOKED) for i in range(3)]
    client = signed_in(members[Role.DISPATCHER])
    events_before = OutboxMessage.objects.count()

    refused = client.post(
        reverse("dashboard:shipments_bulk"), {"action": "assign", "shipment": [s.pk for s in booked]}
    )
    assert refused.status_code == 400
    assert "Choose the vehicle to assign the shipments to." in refused.content.decode()
    assert OutboxMessage.objects.count() == events_before
    assert set(Shipment.unscoped.filter(pk__in=[s.pk for s in booked]).values_list("status", flat=True)) == {
        "booked"
    }

    done = client.post(
        reverse("dashboard:shipments_bulk"),
        {"action": "assign", "vehicle": truck.pk, "shipment": [s.pk for s in booked]},
    )
    assert "Assign to a vehicle: 3 done" in done.content.decode()
    assert set(
        Shipment.unscoped.filter(pk__in=[s.pk for s in booked]).values_list("status", "vehicle_id")
    ) == {("assigned", truck.pk)}


def test_bulk_cancel_records_the_reason(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    shipment = make_shipment("C-1", S.BOOKED)
    signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipments_bulk"),
        {"action": "cancel", "shipment": [shipment.pk], "reason": "Customer <b>moved</b>"},
    )
    shipment.refresh_from_db()
    assert shipment.status == S.CANCELLED
    assert TrackingEvent.unscoped.get(shipment=shipment, status=S.CANCELLED).note == "Customer <b>moved</b>"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DRIVER])
def test_roles_that_do_not_manage_shipments_get_no_bulk_actions(
    role: Role,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
) -> None:
    shipment = make_shipment("D-1")
    client = signed_in(members[role])
    page = client.get(reverse("dashboard:shipments")).content.decode()
    assert 'id="bulk-form"' not in page
    assert 'name="shipment"' not in page
    assert (
        client.post(
            reverse("dashboard:shipments_bulk"), {"action": "book", "shipment": [shipment.pk]}
        ).status_code
        == 403
    )
    shipment.refresh_from_db()
    assert shipment.status == S.DRAFT


def test_the_list_offers_a_checkbox_per_row_that_survives_a_live_refresh(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    shipment = make_shipment("D-1")
    client = signed_in(members[Role.DISPATCHER])
    page = client.get(reverse("dashboard:shipments")).content.decode()
    assert f'name="shipment" value="{shipment.pk}" form="bulk-form"' in page
    fragment = client.get(reverse("dashboard:shipments"), headers={"HX-Request": "true"}).content.decode()
    assert f'name="shipment" value="{shipment.pk}" form="bulk-form"' in fragment


def test_the_csv_export_follows_the_filters_and_neutralises_formulas(
    organization: Organization,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    elsewhere: tuple[User, Shipment, Vehicle],
) -> None:
    make_shipment("BOOKED-1", S.BOOKED)
    make_shipment("DRAFT-1")
    hostile = make_shipment("BOOKED-2", S.BOOKED)
    Shipment.unscoped.filter(pk=hostile.pk).update(
        customer_name='=HYPERLINK("http://x")', origin_address="@SUM(1)"
    )
    client = signed_in(members[Role.VIEWER])

    response = client.get(reverse("dashboard:shipments_export"), {"status": "booked", "sort": "reference"})

    assert response["Content-Disposition"] == 'attachment; filename="waybill-shipments.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert [row["reference"] for row in rows] == ["BOOKED-1", "BOOKED-2"]
    assert rows[1]["customer_name"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["origin_address"] == "'@SUM(1)"
    assert rows[0]["status"] == "booked"

    ticked = client.get(reverse("dashboard:shipments_export"), {"shipment": [hostile.pk, elsewhere[1].pk]})
    lines = b"".join(ticked.streaming_content).decode().strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 2, "only the ticked shipment of this organization"
    assert "BOOKED-2" in lines[1]


def test_the_label_carries_a_qr_code_of_the_tracking_page(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    elsewhere: tuple[User, Shipment, Vehicle],
    settings: object,
) -> None:
    shipment = make_shipment("LBL-1")
    Shipment.unscoped.filter(pk=shipment.pk).update(customer_name="<script>alert(1)</script>")
    client = signed_in(members[Role.VIEWER])

    body = client.get(reverse("dashboard:shipment_label", args=[shipment.pk])).content.decode()

    assert re.search(r'<svg[^>]*class="qr"', body)
    assert f"/t/{shipment.tracking_code}" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body
    assert "data-print" in body
    assert client.get(reverse("dashboard:shipment_label", args=[elsewhere[1].pk])).status_code == 404


def test_the_qr_code_decodes_to_the_tracking_url(make_shipment: Callable[..., Shipment]) -> None:
    import segno

    from waybill_django.shipments.labels import label_qr_svg, tracking_url

    shipment = make_shipment("LBL-2")
    svg = label_qr_svg(shipment=shipment)
    # The same data, encoded again, draws the same modules: the label holds exactly the tracking URL.
    expected = segno.make(tracking_url(shipment=shipment), error="m")
    path = re.search(r' d="([^"]+)"', svg)
    assert path is not None
    assert path.group(1) in expected.svg_inline(border=2, omitsize=True)
    assert tracking_url(shipment=shipment).endswith(f"/t/{shipment.tracking_code}")


def test_a_vehicles_day_manifest_lists_what_it_carries_in_order(
    organization: Organization,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
    elsewhere: tuple[User, Shipment, Vehicle],
) -> None:
    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    road = (S.BOOKED, S.ASSIGNED)
    make_shipment(
        "LATER", *road, vehicle=truck, pickup_window_start=today + timedelta(hours=3), parcels=2, weight_kg=10
    )
    make_shipment(
        "SOONER", *road, vehicle=truck, pickup_window_start=today - timedelta(hours=2), parcels=1, weight_kg=5
    )
    make_shipment("TOMORROW", *road, vehicle=truck, pickup_window_start=today + timedelta(days=1))
    make_shipment("CANCELLED", *road, S.CANCELLED, vehicle=truck, pickup_window_start=today)
    make_shipment("UNWINDOWED", *road, vehicle=truck)
    client = signed_in(members[Role.DISPATCHER])

    body = client.get(reverse("dashboard:vehicle_manifest", args=[truck.pk])).content.decode()

    listed = re.findall(r'<th scope="row">([A-Z]+)</th>', body)
    assert listed == ["SOONER", "LATER", "UNWINDOWED"]
    assert re.search(r"3 shipments · 4 parcels · 15(\.00)? kg", body)
    tomorrow = client.get(
        reverse("dashboard:vehicle_manifest", args=[truck.pk]),
        {"day": (today + timedelta(days=1)).date().isoformat()},
    ).content.decode()
    assert re.findall(r'<th scope="row">([A-Z]+)</th>', tomorrow) == ["TOMORROW", "UNWINDOWED"]
    assert (
        client.get(reverse("dashboard:vehicle_manifest", args=[truck.pk]), {"day": "2026-02-31"}).status_code
        == 200
    )
    assert client.get(reverse("dashboard:vehicle_manifest", args=[elsewhere[2].pk])).status_code == 404


def test_duplicating_makes_a_draft_copy_through_the_domain(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    original = make_shipment("ORIG", S.BOOKED, S.ASSIGNED, vehicle=truck, parcels=4)
    client = signed_in(members[Role.DISPATCHER])

    first = client.post(reverse("dashboard:shipment_copy", args=[original.pk]))
    second = client.post(reverse("dashboard:shipment_copy", args=[original.pk]))

    copies = Shipment.unscoped.filter(reference__startswith="ORIG-COPY").order_by("id")
    assert [(c.reference, c.status, c.vehicle_id, c.parcels) for c in copies] == [
        ("ORIG-COPY", "draft", None, 4),
        ("ORIG-COPY-2", "draft", None, 4),
    ]
    assert first["Location"] == reverse("dashboard:shipment_edit", args=[copies[0].pk])
    assert second.status_code == 302
    assert copies[0].customer_name == original.customer_name
    assert copies[0].tracking_code != original.tracking_code
    assert AuditLog.unscoped.filter(action="shipment.created", target_id=str(copies[0].pk)).exists()
    assert (
        signed_in(members[Role.VIEWER])
        .post(reverse("dashboard:shipment_copy", args=[original.pk]))
        .status_code
        == 403
    )


def test_after_assignment_the_contact_and_windows_stay_editable_but_not_the_load(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("ASG-1", S.BOOKED, S.ASSIGNED, vehicle=truck, parcels=2)
    client = signed_in(members[Role.DISPATCHER])
    url = reverse("dashboard:shipment_edit", args=[shipment.pk])

    form = client.get(url).content.decode()
    assert re.search(r'name="parcels"[^>]*disabled', form)
    assert re.search(r'name="reference"[^>]*disabled', form)
    assert not re.search(r'name="customer_name"[^>]*disabled', form)

    response = client.post(
        url,
        {
            "reference": "HACKED",
            "customer_name": "Corrected Name",
            "origin_address": "1 Quay, Rotterdam",
            "destination_address": "3 New Street, Utrecht",
            "parcels": "9",
        },
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.customer_name, shipment.destination_address) == (
        "Corrected Name",
        "3 New Street, Utrecht",
    )
    assert (shipment.reference, shipment.parcels, shipment.status) == ("ASG-1", 2, "assigned")
