"""Hostile or broken input answers a clear 4xx, never a server error (SEC-6, SEC-10)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.input import NUL_REFUSED
from waybill_django.api.tokens import api_token_create
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create

pytestmark = pytest.mark.django_db

SHIPMENT = {
    "reference": "BAD-1",
    "origin_address": "1 Quay",
    "destination_address": "2 Street",
}


@pytest.fixture
def owner(make_member: Callable[..., User]) -> User:
    return make_member(Role.OWNER, "owner@acme.test")


@pytest.fixture
def bearer(organization: Organization, owner: User) -> dict[str, str]:
    _, secret = api_token_create(organization=organization, actor=owner, name="ERP")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def shipment(organization: Organization, owner: User) -> Shipment:
    return shipment_create(organization=organization, actor=owner, **SHIPMENT)


def send(
    client: Client, method: str, path: str, body: str | bytes, headers: dict[str, str], **extra: Any
) -> Any:
    content_type = extra.pop("content_type", "application/json")
    return client.generic(
        method, f"/api/v1{path}", data=body, content_type=content_type, headers=headers, **extra
    )


def test_a_huge_page_number_is_a_422(client: Client, bearer: dict[str, str]) -> None:
    for path in ("/vehicles", "/shipments"):
        response = client.get(f"/api/v1{path}", {"page": "99999999999999999999"}, headers=bearer)
        assert response.status_code == 422, path


def test_null_for_required_text_is_a_422(
    client: Client, bearer: dict[str, str], shipment: Shipment, truck: Vehicle
) -> None:
    cases = [
        (f"/shipments/{shipment.pk}", '{"customer_name": null}'),
        (f"/shipments/{shipment.pk}", '{"customer_email": null}'),
        (f"/vehicles/{truck.pk}", '{"label": null}'),
    ]
    for path, body in cases:
        assert send(client, "PATCH", path, body, bearer).status_code == 422, body


def test_utc_offsets_beyond_what_postgresql_reads_are_stored_as_the_same_instant(
    client: Client, bearer: dict[str, str]
) -> None:
    # RFC 3339 (the document's date-time) allows offsets up to ±23:59; PostgreSQL reads ±15:59.
    body = '{"reference": "TZ-1", "origin_address": "a", "destination_address": "b",'
    body += ' "pickup_window_start": "2026-12-01T10:00:00+20:00"}'
    created = send(client, "POST", "/shipments", body, bearer)
    assert created.status_code == 201
    stored = Shipment.unscoped.get(reference="TZ-1").pickup_window_start
    assert stored == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def test_nul_bytes_are_refused(client: Client, bearer: dict[str, str], shipment: Shipment) -> None:
    created = send(
        client,
        "POST",
        "/shipments",
        '{"reference": "N", "origin_address": "a\\u0000b", "destination_address": "b"}',
        bearer,
    )
    moved = send(
        client,
        "POST",
        f"/shipments/{shipment.pk}/transitions",
        '{"to_status": "cancelled", "reason": "a\\u0000b"}',
        bearer,
    )
    searched = client.get("/api/v1/shipments", {"q": "a\x00b"}, headers=bearer)
    # Refused on the field (the document's pattern says so), nothing stored.
    assert [created.status_code, moved.status_code, searched.status_code] == [422, 422, 422]
    assert created.json()["errors"] == {"origin_address": ["Value error, " + NUL_REFUSED]}
    assert list(moved.json()["errors"]) == ["reason"]
    assert list(searched.json()["errors"]) == ["query.q"]
    assert not Shipment.unscoped.filter(reference="N").exists()
    shipment.refresh_from_db()
    assert shipment.status == "draft"


def test_multipart_without_a_boundary_is_a_400(client: Client, owner: User, shipment: Shipment) -> None:
    client.force_login(owner)
    for path in (f"/shipments/{shipment.pk}/delivery", "/tokens", "/invitations"):
        response = send(client, "POST", path, b"x", {}, content_type="multipart/form-data")
        assert response.status_code == 400, path


def test_a_body_over_the_limit_is_a_413(client: Client, bearer: dict[str, str]) -> None:
    body = (
        '{"reference": "BIG", "origin_address": "'
        + "a" * (7 * 1024 * 1024)
        + '", "destination_address": "b"}'
    )
    assert send(client, "POST", "/shipments", body, bearer).status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/organization/switch/", {"organization_id": "²"}),
        ("post", "/dispatch/assign/", {"shipment": "²", "vehicle": "1"}),
        ("get", "/reports/", {"days": "²"}),
        ("get", "/reports/daily.csv", {"days": "²"}),
    ],
)
def test_unicode_digits_are_refused_not_a_server_error(
    client: Client, owner: User, method: str, path: str, data: dict[str, str]
) -> None:
    client.force_login(owner)
    response = getattr(client, method)(path, data)
    assert response.status_code < 500


def test_a_body_value_of_another_json_type_is_refused_not_coerced(
    client: Client, bearer: dict[str, str], shipment: Shipment, truck: Vehicle
) -> None:
    # The document says integer, number or boolean: false is no 0, "5" no 5, 1 no true (SEC-17).
    cases = [
        ("PATCH", f"/vehicles/{truck.pk}", '{"capacity_parcels": false}'),
        ("PATCH", f"/vehicles/{truck.pk}", '{"capacity_kg": "5"}'),
        ("PATCH", f"/vehicles/{truck.pk}", '{"active": 1}'),
        ("PATCH", f"/shipments/{shipment.pk}", '{"parcels": "2"}'),
        ("PATCH", f"/shipments/{shipment.pk}", '{"origin_latitude": true, "origin_longitude": 5}'),
        ("PATCH", f"/shipments/{shipment.pk}", '{"origin_latitude": "52", "origin_longitude": 5}'),
        (
            "POST",
            f"/shipments/{shipment.pk}/transitions",
            f'{{"to_status": "assigned", "vehicle_id": "{truck.pk}"}}',
        ),
    ]
    answers = [send(client, method, path, body, bearer).status_code for method, path, body in cases]

    assert answers == [422] * len(cases)
    truck.refresh_from_db()
    shipment.refresh_from_db()
    assert (truck.capacity_parcels, truck.capacity_kg, truck.active) == (None, None, True)
    assert (shipment.parcels, shipment.origin_latitude, shipment.vehicle_id) == (1, None, None)
