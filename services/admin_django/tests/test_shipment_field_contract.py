"""A shipment's field rules are the model's, and every entry point gives the same verdict.

The same boundary values go through the dashboard form, the admin, the API
(create and patch) and the CSV import; each must refuse with the same message
on the same field, or accept, and a refused value writes nothing.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.imports.services import shipment_import_run, shipment_import_start
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import BOTH_COORDINATES, Shipment
from waybill_django.shipments.services import shipment_create

pytestmark = pytest.mark.django_db

Value = str | int | Decimal | float | datetime
Errors = dict[str, list[str]]

REQUIRED = {"reference": "C-1", "origin_address": "1 Quay", "destination_address": "2 Street"}


def at(day: int, hour: int) -> datetime:
    return datetime.fromisoformat(f"2026-03-{day:02d}T{hour:02d}:00:00+00:00")


@dataclass(frozen=True)
class Case:
    values: dict[str, Value]
    errors: Errors
    """Empty when the values are accepted."""


CASES = {
    "negative weight": Case(
        {"weight_kg": Decimal("-1")}, {"weight_kg": ["Ensure this value is greater than or equal to 0."]}
    ),
    "zero weight": Case({"weight_kg": Decimal("0")}, {}),
    "zero parcels": Case({"parcels": 0}, {"parcels": ["Ensure this value is greater than or equal to 1."]}),
    "negative parcels": Case(
        {"parcels": -1}, {"parcels": ["Ensure this value is greater than or equal to 1."]}
    ),
    "one parcel": Case({"parcels": 1}, {}),
    "65-character reference": Case(
        {"reference": "R" * 65}, {"reference": ["Ensure this value has at most 64 characters (it has 65)."]}
    ),
    "64-character reference": Case({"reference": "R" * 64}, {}),
    "bad email": Case(
        {"customer_email": "not-an-email"}, {"customer_email": ["Enter a valid email address."]}
    ),
    "latitude out of range": Case(
        {"origin_latitude": 91.0, "origin_longitude": 4.0},
        {"origin_latitude": ["Ensure this value is less than or equal to 90."]},
    ),
    "latitude without longitude": Case({"origin_latitude": 53.55}, {"origin_longitude": [BOTH_COORDINATES]}),
    "longitude without latitude": Case(
        {"destination_longitude": 5.12}, {"destination_latitude": [BOTH_COORDINATES]}
    ),
    "inverted pickup window": Case(
        {"pickup_window_start": at(1, 12), "pickup_window_end": at(1, 8)},
        {"pickup_window_end": ["The pickup window must end after it starts."]},
    ),
    "inverted delivery window": Case(
        {"delivery_window_start": at(2, 12), "delivery_window_end": at(2, 8)},
        {"delivery_window_end": ["The delivery window must end after it starts."]},
    ),
    "delivery ending before pickup starts": Case(
        {"pickup_window_start": at(2, 10), "delivery_window_end": at(2, 8)},
        {"delivery_window_end": ["The delivery window must end after the pickup window starts."]},
    ),
    "ordered windows": Case(
        {
            "pickup_window_start": at(1, 8),
            "pickup_window_end": at(1, 10),
            "delivery_window_start": at(1, 12),
            "delivery_window_end": at(1, 16),
        },
        {},
    ),
}


@dataclass(frozen=True)
class People:
    client: Client
    organization: Organization
    dispatcher: User
    staff: User
    token: str


def _text(value: Value, *, datetime_format: str = "iso") -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M") if datetime_format == "local" else value.isoformat()
    return str(value)


def _json(value: Value) -> Any:
    return (
        value.isoformat()
        if isinstance(value, datetime)
        else float(value)  # the API takes a weight as a JSON number
        if isinstance(value, Decimal)
        else value
    )


def dashboard_form(people: People, values: dict[str, Value]) -> Errors:
    people.client.force_login(people.dispatcher)
    body = {"parcels": "1", **REQUIRED, **{k: _text(v, datetime_format="local") for k, v in values.items()}}
    response = people.client.post("/shipments/new/", body)
    if response.status_code == 302:
        return {}
    assert response.status_code == 400
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def admin_form(people: People, values: dict[str, Value]) -> Errors:
    people.client.force_login(people.staff)
    body = {"organization": str(people.organization.pk), "parcels": "1", **REQUIRED}
    for name, value in values.items():
        if isinstance(value, datetime):  # the admin's split date and time widget
            body[f"{name}_0"], body[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        else:
            body[name] = str(value)
    response = people.client.post("/admin/shipments/shipment/add/", body)
    if response.status_code == 302:
        return {}
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context["adminform"].form.errors.items()}


def _api(people: People, method: str, path: str, body: dict[str, Any]) -> Any:
    return people.client.generic(
        method,
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {people.token}"},
    )


def api_create(people: People, values: dict[str, Value]) -> Errors:
    response = _api(people, "POST", "/shipments", {**REQUIRED, **{k: _json(v) for k, v in values.items()}})
    if response.status_code == 201:
        return {}
    assert response.status_code == 422, response.content
    errors: Errors = response.json()["errors"]
    return errors


def api_patch(people: People, values: dict[str, Value]) -> Errors:
    shipment = shipment_create(
        organization=people.organization, actor=people.dispatcher, **{**REQUIRED, "reference": "P-1"}
    )
    response = _api(people, "PATCH", f"/shipments/{shipment.pk}", {k: _json(v) for k, v in values.items()})
    if response.status_code == 200:
        return {}
    assert response.status_code == 422, response.content
    assert Shipment.unscoped.get(pk=shipment.pk).updated_at == shipment.updated_at, (
        "a refused patch writes nothing"
    )
    errors: Errors = response.json()["errors"]
    return errors


def csv_import(people: People, values: dict[str, Value]) -> Errors:
    row = {**REQUIRED, **{k: _text(v) for k, v in values.items()}}
    text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
    started = shipment_import_start(
        organization=people.organization,
        actor=people.dispatcher,
        upload=ContentFile(text.encode(), name="one.csv"),
    )
    finished = shipment_import_run(job_id=started.pk)
    assert finished is not None
    if finished.rows_rejected == 0:
        return {}
    with finished.error_report.open("rb") as report:
        _, (_line, _reference, described) = csv.reader(io.StringIO(report.read().decode()))
    errors: Errors = {}
    for part in described.split("; "):
        field, message = part.split(": ", 1)
        errors[field] = [message]
    return errors


ENTRY_POINTS: dict[str, Callable[[People, dict[str, Value]], Errors]] = {
    "dashboard form": dashboard_form,
    "admin": admin_form,
    "API create": api_create,
    "API patch": api_patch,
    "CSV import": csv_import,
}


@pytest.fixture
def people(
    client: Client, organization: Organization, make_member: Callable[..., User], staff: User
) -> People:
    owner = make_member(Role.OWNER)
    _, token = api_token_create(organization=organization, actor=owner, name="ERP")
    return People(client, organization, make_member(Role.DISPATCHER), staff, token)


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("case", list(CASES))
def test_every_entry_point_gives_the_same_verdict_on_the_same_field(
    people: People, entry: str, case: str, redis_url: str
) -> None:
    expected = CASES[case]

    errors = ENTRY_POINTS[entry](people, expected.values)

    assert errors == expected.errors
    if entry != "API patch":
        assert Shipment.unscoped.exists() == (not expected.errors), "a refused value creates nothing"


def test_no_entry_point_shows_a_constraint_name(people: People, redis_url: str) -> None:
    inverted: dict[str, Value] = {"delivery_window_start": at(2, 12), "delivery_window_end": at(2, 8)}
    for entry in ENTRY_POINTS.values():
        errors = entry(people, inverted)
        assert not any(
            "Constraint" in message or "_ordered" in message for m in errors.values() for message in m
        )


def test_a_stored_row_that_breaks_todays_rules_is_still_served_by_the_api(
    people: People, organization: Organization
) -> None:
    Shipment.unscoped.create(
        organization=organization, weight_kg=Decimal("-5"), parcels=0, customer_email="nope", **REQUIRED
    )

    listing = _api(people, "GET", "/shipments", {})
    one = _api(people, "GET", f"/shipments/{Shipment.unscoped.get().pk}", {})

    assert listing.status_code == 200
    assert [(Decimal(item["weight_kg"]), item["parcels"]) for item in listing.json()["items"]] == [
        (Decimal(-5), 0)
    ]
    assert one.status_code == 200


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_every_entry_point_locates_an_address_given_without_coordinates(
    people: People, entry: str, redis_url: str
) -> None:
    # No commas: the CSV entry point joins the values with them.
    located: dict[str, Value] = {
        "origin_address": "Coolsingel 40 Rotterdam",
        "destination_address": "3511 Utrecht",
    }

    assert ENTRY_POINTS[entry](people, located) == {}

    shipment = Shipment.unscoped.get(origin_address=located["origin_address"])
    assert (shipment.origin_latitude, shipment.origin_longitude) == pytest.approx((51.92, 4.48), abs=0.01)
    assert (shipment.destination_latitude, shipment.destination_longitude) == pytest.approx(
        (52.09, 5.12), abs=0.01
    )


def test_an_unknown_address_keeps_empty_coordinates_and_given_ones_are_kept(people: People) -> None:
    unknown = shipment_create(organization=people.organization, actor=people.dispatcher, **REQUIRED)
    pinned = shipment_create(
        organization=people.organization,
        actor=people.dispatcher,
        reference="C-2",
        origin_address="Rotterdam",
        origin_latitude=51.95,
        origin_longitude=4.1,
        destination_address="Utrecht",
    )

    assert (unknown.origin_latitude, unknown.destination_latitude) == (None, None)
    assert (pinned.origin_latitude, pinned.origin_longitude) == (51.95, 4.1), "a pin is never overwritten"
