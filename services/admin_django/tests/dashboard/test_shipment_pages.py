"""The shipments list, detail, actions and forms, as each role sees them."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.core.errors import Conflict
from waybill_django.dashboard.access import Workspace
from waybill_django.dashboard.views.moves import available_moves
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_check_move

S = ShipmentStatus


def test_the_list_filters_searches_sorts_and_pages(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    make_shipment("ALPHA-1")
    make_shipment("BRAVO-2", S.BOOKED)
    make_shipment("CHARLIE-3", S.BOOKED, S.ASSIGNED, vehicle=truck)
    client = signed_in(members[Role.VIEWER])

    booked = client.get(reverse("dashboard:shipments"), {"status": "booked"}).content.decode()
    assert "BRAVO-2" in booked
    assert "ALPHA-1" not in booked

    found = client.get(reverse("dashboard:shipments"), {"q": "charl"}).content.decode()
    assert "CHARLIE-3" in found
    assert "BRAVO-2" not in found

    on_truck = client.get(reverse("dashboard:shipments"), {"vehicle": truck.pk}).content.decode()
    assert "CHARLIE-3" in on_truck
    assert "ALPHA-1" not in on_truck

    by_reference = client.get(reverse("dashboard:shipments"), {"sort": "-reference"}).content.decode()
    assert by_reference.index("CHARLIE-3") < by_reference.index("BRAVO-2") < by_reference.index("ALPHA-1")


def test_the_list_pages_by_25_and_its_query_count_does_not_grow(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    for number in range(30):
        make_shipment(f"BULK-{number:02}", S.BOOKED, S.ASSIGNED, vehicle=truck)
    client = signed_in(members[Role.DISPATCHER])
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("dashboard:shipments"))
    second = client.get(reverse("dashboard:shipments"), {"page": 2})
    assert first.content.decode().count('data-shipment-id="') == 25
    assert second.content.decode().count('data-shipment-id="') == 5
    assert "Page 2 of 2" in second.content.decode()
    # Session, user, membership(s), vehicles for the filter, count, page: not one per row.
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]


def test_a_live_refresh_gets_only_the_table(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    make_shipment("ALPHA-1")
    response = signed_in(members[Role.VIEWER]).get(
        reverse("dashboard:shipments"), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "ALPHA-1" in body
    assert "<html" not in body


def test_the_detail_offers_only_what_the_role_allows(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, vehicle=truck)
    url = reverse("dashboard:shipment", args=[shipment.pk])

    dispatcher_page = signed_in(members[Role.DISPATCHER]).get(url).content.decode()
    assert 'value="picked_up"' in dispatcher_page
    assert 'value="cancelled"' in dispatcher_page
    assert 'value="exception"' in dispatcher_page

    viewer_page = signed_in(members[Role.VIEWER]).get(url).content.decode()
    assert 'name="to_status"' not in viewer_page
    assert "Your role has no action" in viewer_page

    driver_page = signed_in(members[Role.DRIVER]).get(url).content.decode()
    assert 'value="picked_up"' in driver_page
    assert 'value="cancelled"' not in driver_page


def test_a_move_goes_through_the_domain_and_shows_on_the_timeline(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED)
    client = signed_in(members[Role.DISPATCHER])
    response = client.post(
        reverse("dashboard:shipment_move", args=[shipment.pk]), {"to_status": "assigned", "vehicle": truck.pk}
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == S.ASSIGNED
    assert shipment.vehicle == truck
    assert AuditLog.unscoped.filter(action="shipment.assigned").exists()
    page = client.get(reverse("dashboard:shipment", args=[shipment.pk])).content.decode()
    assert "Assigned to TRK-1" in page


def test_a_forced_forbidden_move_is_refused_and_writes_nothing(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, vehicle=truck)
    response = signed_in(members[Role.VIEWER]).post(
        reverse("dashboard:shipment_move", args=[shipment.pk]), {"to_status": "cancelled"}
    )
    assert response.status_code == 403
    assert "does not allow" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == S.ASSIGNED


def test_an_impossible_move_answers_409_with_the_reason(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    shipment = make_shipment("A-1")
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {"to_status": "delivered", "recipient_name": "X"},
    )
    assert response.status_code == 409
    assert "cannot go from draft to delivered" in response.content.decode()


def test_an_exception_needs_a_reason(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, vehicle=truck)
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipment_move", args=[shipment.pk]), {"to_status": "exception", "reason": " "}
    )
    assert response.status_code == 400
    assert "Say what went wrong." in response.content.decode()


def test_the_driver_delivers_with_proof(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)
    client = signed_in(members[Role.DRIVER])
    day = client.get(reverse("dashboard:driver")).content.decode()
    assert "A-1" in day
    assert "Delivered…" in day
    response = client.post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {"to_status": "delivered", "recipient_name": "Rita Receiver", "next": reverse("dashboard:driver")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:driver")
    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED
    assert shipment.proof_of_delivery.recipient_name == "Rita Receiver"


def test_a_driver_cannot_move_a_shipment_on_someone_elses_vehicle(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    organization: Organization,
) -> None:
    van = Vehicle.unscoped.create(organization=organization, plate="VAN-2")
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, vehicle=van)
    client = signed_in(members[Role.DRIVER])
    assert (
        'name="to_status"'
        not in client.get(reverse("dashboard:shipment", args=[shipment.pk])).content.decode()
    )
    response = client.post(reverse("dashboard:shipment_move", args=[shipment.pk]), {"to_status": "picked_up"})
    assert response.status_code == 403


def test_the_create_form_shows_field_errors(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    make_shipment("TAKEN-1")
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipment_new"),
        {
            "reference": "TAKEN-1",
            "origin_address": "",
            "destination_address": "B",
            "parcels": "1",
            "origin_latitude": "123",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Another shipment of this organization has this reference." in body
    assert "This field is required." in body
    assert "less than or equal to 90" in body
    assert 'aria-invalid="true"' in body


def test_the_create_form_creates_a_draft(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipment_new"),
        {
            "reference": "NEW-1",
            "origin_address": "A",
            "destination_address": "B",
            "parcels": "2",
            "delivery_window_start": "2030-01-01T10:00",
            "delivery_window_end": "2030-01-01T12:00",
        },
    )
    assert response.status_code == 302
    shipment = Shipment.objects.in_organization(organization).get(reference="NEW-1")
    assert shipment.status == S.DRAFT
    assert shipment.parcels == 2
    assert response["Location"] == reverse("dashboard:shipment", args=[shipment.pk])


def test_a_window_that_ends_before_it_starts_is_refused(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipment_new"),
        {
            "reference": "NEW-1",
            "origin_address": "A",
            "destination_address": "B",
            "parcels": "1",
            "delivery_window_start": "2030-01-01T12:00",
            "delivery_window_end": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "delivery_window_end": ["The delivery window must end after it starts."]
    }
    assert not Shipment.unscoped.filter(reference="NEW-1").exists()


def test_edit_changes_details_while_booked_and_not_once_delivered(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED)
    client = signed_in(members[Role.DISPATCHER])
    url = reverse("dashboard:shipment_edit", args=[shipment.pk])
    form = client.get(url)
    assert 'value="A-1"' in form.content.decode()
    response = client.post(
        url,
        {
            "reference": "A-1",
            "customer_name": "New Name",
            "origin_address": "1 Quay, Rotterdam",
            "destination_address": "2 Street, Utrecht",
            "parcels": "3",
        },
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.customer_name == "New Name"
    assert shipment.parcels == 3

    delivered = make_shipment(
        "B-2", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, vehicle=truck
    )
    assert client.get(reverse("dashboard:shipment_edit", args=[delivered.pk])).status_code == 302


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DRIVER])
def test_roles_without_manage_cannot_post_the_forms(
    role: Role,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
) -> None:
    shipment = make_shipment("A-1")
    client = signed_in(members[role])
    assert client.post(reverse("dashboard:shipment_new"), {"reference": "X"}).status_code == 403
    assert (
        client.post(reverse("dashboard:shipment_edit", args=[shipment.pk]), {"reference": "X"}).status_code
        == 403
    )
    shipment.refresh_from_db()
    assert shipment.reference == "A-1"


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_the_offered_moves_are_exactly_those_the_domain_allows(
    role: Role,
    members: dict[Role, User],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
    organization: Organization,
) -> None:
    van = Vehicle.unscoped.create(organization=organization, plate="VAN-2")
    shipments = [
        make_shipment("DRAFT-1"),
        make_shipment("BOOKED-1", S.BOOKED),
        make_shipment("ASSIGNED-1", S.BOOKED, S.ASSIGNED, vehicle=truck),
        make_shipment("ASSIGNED-VAN", S.BOOKED, S.ASSIGNED, vehicle=van),
        make_shipment("PICKED-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck),
        make_shipment("TRANSIT-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck),
        make_shipment("EXC-1", S.BOOKED, S.ASSIGNED, S.EXCEPTION, vehicle=truck),
        make_shipment("DONE-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, vehicle=truck),
    ]
    user = members[role]
    workspace = Workspace(user=user, membership=Membership.unscoped.get(user=user, organization=organization))
    for shipment in shipments:
        offered = {move.target for move in available_moves(shipment=shipment, workspace=workspace)}
        allowed = set()
        for target in S:
            try:
                shipment_check_move(shipment=shipment, to_status=target, actor=user)
            except (PermissionDenied, Conflict):
                continue
            allowed.add(target)
        assert offered == allowed, shipment.reference


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_the_driver_delivers_with_a_photo_and_a_signature(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)
    client = signed_in(members[Role.DRIVER])
    assert "data-signature" in client.get(reverse("dashboard:driver")).content.decode()
    response = client.post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {
            "to_status": "delivered",
            "recipient_name": "Rita",
            "photo": SimpleUploadedFile("door.png", PNG, "image/png"),
            "signature": SimpleUploadedFile("signature.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    proof = Shipment.unscoped.get(pk=shipment.pk).proof_of_delivery
    assert proof.photo.name
    assert proof.signature.name


def test_a_signature_that_is_not_an_image_is_refused(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("A-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)
    response = signed_in(members[Role.DRIVER]).post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {
            "to_status": "delivered",
            "recipient_name": "Rita",
            "signature": SimpleUploadedFile("signature.png", b"not an image", "image/png"),
        },
    )
    assert response.status_code == 400
    assert "Upload a PNG, JPEG or WebP image." in response.content.decode()
    assert Shipment.unscoped.get(pk=shipment.pk).status == S.IN_TRANSIT
