from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import ProofOfDelivery, Shipment

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

NEW_SHIPMENT = {
    "reference": "ERP-1",
    "customer_name": "Corner Bakery",
    "origin_address": "1 Quay",
    "destination_address": "2 Street",
    "destination_latitude": 52.09,
    "destination_longitude": 5.12,
    "parcels": 2,
}


def test_an_integration_creates_a_shipment_and_reads_it_back(api: ApiClient) -> None:
    created = api.post("/shipments", NEW_SHIPMENT)

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["reference"], body["status"], body["parcels"]) == ("ERP-1", "draft", 2)
    assert len(body["tracking_code"]) >= 16
    assert api.get(f"/shipments/{body['id']}").json() == body


def test_a_retried_create_with_the_same_idempotency_key_creates_one_shipment(api: ApiClient) -> None:
    first = api.post("/shipments", NEW_SHIPMENT, **{"Idempotency-Key": "order-77"})
    again = api.post("/shipments", NEW_SHIPMENT, **{"Idempotency-Key": "order-77"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Shipment.unscoped.count() == 1


def test_reusing_an_idempotency_key_for_another_request_is_a_conflict(api: ApiClient) -> None:
    api.post("/shipments", NEW_SHIPMENT, **{"Idempotency-Key": "order-77"})
    other = api.post("/shipments", {**NEW_SHIPMENT, "reference": "ERP-2"}, **{"Idempotency-Key": "order-77"})

    assert other.status_code == 409
    assert "different request" in other.json()["detail"]
    assert Shipment.unscoped.count() == 1


def test_without_a_key_a_duplicate_reference_is_a_conflict_naming_the_reference(api: ApiClient) -> None:
    api.post("/shipments", NEW_SHIPMENT)
    again = api.post("/shipments", NEW_SHIPMENT)
    # The body is well formed (schema-valid); another shipment holds the reference: 409, not 422.
    assert again.status_code == 409
    assert "Reference already exists" in again.json()["detail"]
    assert Shipment.unscoped.count() == 1


def test_the_list_filters_and_pages(api: ApiClient) -> None:
    for number in range(3):
        api.post("/shipments", {**NEW_SHIPMENT, "reference": f"ERP-{number}"})
    shipment_id = api.get("/shipments", q="ERP-1").json()["items"][0]["id"]
    api.post(f"/shipments/{shipment_id}/transitions", {"to_status": "booked"})

    booked = api.get("/shipments", status="booked").json()
    assert [item["reference"] for item in booked["items"]] == ["ERP-1"]
    assert api.get("/shipments", page=1).json()["count"] == 3


def test_the_workflow_through_the_api_and_its_refusals(api: ApiClient, truck: Vehicle) -> None:
    shipment_id = api.post("/shipments", NEW_SHIPMENT).json()["id"]

    skipped = api.post(f"/shipments/{shipment_id}/transitions", {"to_status": "delivered"})
    assert skipped.status_code == 409
    assert skipped.json()["detail"] == "A shipment cannot go from draft to delivered."

    api.post(f"/shipments/{shipment_id}/transitions", {"to_status": "booked"})
    assigned = api.post(
        f"/shipments/{shipment_id}/transitions", {"to_status": "assigned", "vehicle_id": truck.pk}
    )
    assert (assigned.json()["status"], assigned.json()["vehicle_id"]) == ("assigned", truck.pk)

    events = api.get(f"/shipments/{shipment_id}/events").json()
    assert [event["status"] for event in events] == ["draft", "booked", "assigned"]


def test_details_change_while_draft_and_only_the_delivery_ones_once_picked_up(
    api: ApiClient, truck: Vehicle
) -> None:
    shipment_id = api.post("/shipments", NEW_SHIPMENT).json()["id"]
    changed = api.send("PATCH", f"/shipments/{shipment_id}", {"customer_name": "Bakery & Co"})
    assert changed.json()["customer_name"] == "Bakery & Co"

    Shipment.unscoped.filter(pk=shipment_id).update(status=ShipmentStatus.PICKED_UP, vehicle=truck)
    refused = api.send("PATCH", f"/shipments/{shipment_id}", {"parcels": 7})
    assert refused.status_code == 409
    assert "Once a shipment is picked up, these details are fixed: parcels." in refused.json()["detail"]
    corrected = api.send("PATCH", f"/shipments/{shipment_id}", {"customer_name": "Late change"})
    assert corrected.json()["customer_name"] == "Late change"


def test_a_token_acts_with_its_creators_current_role(
    api: ApiClient, owner: User, organization: Organization
) -> None:
    shipment_id = api.post("/shipments", NEW_SHIPMENT).json()["id"]
    Membership.unscoped.filter(user=owner).update(role=Role.VIEWER)

    refused = api.post(f"/shipments/{shipment_id}/transitions", {"to_status": "booked"})
    assert refused.status_code == 403
    assert "does not allow you to manage shipments" in refused.json()["detail"]
    assert api.get(f"/shipments/{shipment_id}").status_code == 200

    Membership.unscoped.filter(user=owner).delete()
    assert api.get(f"/shipments/{shipment_id}").status_code == 401


def test_the_driver_delivers_with_a_photo_from_the_session(
    client: Client, driver: User, truck: Vehicle, organization: Organization
) -> None:
    shipment = Shipment.unscoped.create(
        organization=organization,
        reference="WB-9",
        origin_address="a",
        destination_address="b",
        status=ShipmentStatus.IN_TRANSIT,
        vehicle=truck,
    )
    client.force_login(driver)
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, content_type="image/jpeg")

    response = client.post(
        f"/api/v1/shipments/{shipment.pk}/delivery", {"recipient_name": "Jo", "photo": photo}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "delivered"
    assert str(ProofOfDelivery.objects.get(shipment=shipment).photo.name).endswith(".jpg")


def test_the_session_api_needs_the_csrf_token(driver: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(driver)
    assert client.get("/api/v1/shipments").status_code == 200
    assert client.post("/api/v1/shipments", NEW_SHIPMENT, content_type="application/json").status_code in {
        401,
        403,
    }


def test_a_person_without_an_organization_gets_no_api(
    client: Client, make_member: Callable[..., User]
) -> None:
    loner = User.objects.create_user("loner@example.test", "x")
    client.force_login(loner)
    assert client.get("/api/v1/shipments").status_code == 401


def test_the_openapi_schema_and_docs_are_published(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/shipments/{shipment_id}/transitions" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200
