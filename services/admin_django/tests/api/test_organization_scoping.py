"""Another organization's objects answer 404 on every object URL of the API.

The cases come from the URL configuration: a new endpoint is covered the
moment it is routed, and an unknown path parameter fails the test until it
is given an object below.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.api.api import api
from waybill_django.api.tokens import api_token_create
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Bodies valid enough to get past input validation, so that only the object lookup can refuse.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/shipments/{shipment_id}/transitions"): {"to_status": "booked"},
    ("post", "/api/v1/shipments/{shipment_id}/delivery"): {"recipient_name": "Jo"},
    ("post", "/api/v1/shipments/{shipment_id}/delivery-failures"): {"reason": "Nobody in"},
    ("patch", "/api/v1/members/{member_id}"): {"role": "viewer"},
}
MULTIPART = {("post", "/api/v1/shipments/{shipment_id}/delivery")}


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def object_operations() -> list[tuple[str, str]]:
    """(method, path) of every API operation whose URL names an object."""
    schema_paths = api.get_openapi_schema()["paths"]
    operations = []
    for route in sorted(set(_routes(get_resolver().url_patterns))):
        if not route.startswith(API_PREFIX) or not PARAMETER.search(route):
            continue
        path = "/" + PARAMETER.sub(r"{\1}", route)
        assert path in schema_paths, f"{route} is routed but missing from the OpenAPI schema"
        operations += [(method, path) for method in schema_paths[path]]
    return operations


OPERATIONS = object_operations()


@pytest.fixture
def foreign_objects(other_organization: Organization) -> dict[str, int]:
    owner = User.objects.create_user("owner@other.test", "x")
    membership = Membership.objects.create(user=owner, organization=other_organization, role=Role.OWNER)
    vehicle = Vehicle.unscoped.create(organization=other_organization, plate="OTHER-1")
    shipment = Shipment.unscoped.create(
        organization=other_organization,
        reference="OTHER-1",
        origin_address="a",
        destination_address="b",
        status=ShipmentStatus.IN_TRANSIT,
        vehicle=vehicle,
    )
    token, _ = api_token_create(organization=other_organization, actor=owner, name="theirs")
    return {
        "shipment_id": shipment.pk,
        "vehicle_id": vehicle.pk,
        "token_id": token.pk,
        "member_id": membership.pk,
    }


def test_the_generated_cases_cover_the_object_endpoints() -> None:
    paths = {path for _, path in OPERATIONS}
    assert {
        "/api/v1/shipments/{shipment_id}",
        "/api/v1/vehicles/{vehicle_id}",
        "/api/v1/tokens/{token_id}",
    } <= paths


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_another_organizations_object_is_not_found(
    method: str,
    path: str,
    client: Client,
    organization: Organization,
    foreign_objects: dict[str, int],
) -> None:
    owner_here = User.objects.create_user("owner@acme.test", "x")
    Membership.objects.create(user=owner_here, organization=organization, role=Role.OWNER)
    client.force_login(owner_here)

    def object_id(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in foreign_objects:
            pytest.fail(f"No object of another organization for the path parameter {name!r}: add one.")
        return str(foreign_objects[name])

    url = re.sub(r"\{(\w+)\}", object_id, path)
    body = BODIES.get((method, path), {})
    if (method, path) in MULTIPART:
        response = client.post(url, body)
    else:
        response = client.generic(method.upper(), url, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found in your organization."}
    assert Shipment.unscoped.get(pk=foreign_objects["shipment_id"]).status == ShipmentStatus.IN_TRANSIT
    assert Membership.unscoped.get(pk=foreign_objects["member_id"]).role == Role.OWNER
