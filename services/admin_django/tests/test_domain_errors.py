"""One mapping from a domain error to an answer, used by the API, the dashboard and the admin."""

import json
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.core.errors import Conflict, Refusal, refusal
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.services import shipment_book, shipment_create


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (PermissionDenied("No."), Refusal(403, "No.")),
        (PermissionDenied(), Refusal(403, "Your role in this organization does not allow this.")),
        (Conflict("Not now."), Refusal(409, "Not now.")),
        (
            ValidationError({"weight_kg": "Too heavy."}),
            Refusal(422, "Too heavy.", {"weight_kg": ["Too heavy."]}),
        ),
        (ValidationError("Wrong."), Refusal(422, "Wrong.", {"__all__": ["Wrong."]})),
    ],
)
def test_each_domain_error_has_one_answer(error: Exception, expected: Refusal) -> None:
    assert refusal(error) == expected  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_dashboard_and_the_api_refuse_the_same_assignment_with_the_same_status_and_text(
    client: Client, organization: Organization, make_member: Callable[..., User]
) -> None:
    dispatcher = make_member(Role.DISPATCHER)
    _, token = api_token_create(organization=organization, actor=make_member(Role.OWNER), name="ERP")
    parked = Vehicle.unscoped.create(organization=organization, plate="OLD-1", active=False)
    shipment = shipment_create(
        organization=organization,
        actor=dispatcher,
        reference="A-1",
        origin_address="a",
        destination_address="b",
    )
    shipment_book(shipment=shipment, actor=dispatcher)
    client.force_login(dispatcher)

    board = client.post(
        "/dispatch/assign/", {"shipment": shipment.pk, "vehicle": parked.pk}, headers={"HX-Request": "true"}
    )
    api = client.post(
        f"/api/v1/shipments/{shipment.pk}/transitions",
        data=json.dumps({"to_status": "assigned", "vehicle_id": parked.pk}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    text = "Vehicle OLD-1 is not active."
    assert (board.status_code, board.content.decode()) == (422, text)
    assert (api.status_code, api.json()["detail"]) == (422, text)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.BOOKED
