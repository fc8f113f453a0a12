"""Every page carries a strict Content-Security-Policy and a Permissions-Policy.

The pages come from the URL configuration: each route is opened by a staff
owner (admin and dashboard alike), with ids of real objects for its parameters.
"""

import re
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Admin routes written as regular expressions name their parameters this way; they are reached
# through the plain routes (each model's changelist, change and add page).
REGEX = re.compile(r"[\^$(\\]")


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def _admin_model_pages() -> list[str]:
    from django.contrib import admin

    pages = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        pages += [f"/admin/{meta.app_label}/", f"/admin/{meta.app_label}/{meta.model_name}/"]
    return pages


@pytest.fixture
def owner(organization: Organization, make_member: Callable[..., User]) -> User:
    user = make_member(Role.OWNER, "owner@acme.test")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def ids(organization: Organization, owner: User, truck: Vehicle) -> dict[str, str]:
    shipment: Shipment = shipment_create(
        organization=organization,
        actor=owner,
        reference="CSP-1",
        origin_address="1 Quay",
        destination_address="2 Street",
    )
    membership = Membership.unscoped.get(user=owner)
    return {
        "shipment_id": str(shipment.pk),
        "vehicle_id": str(truck.pk),
        "code": shipment.tracking_code,
        "membership_id": str(membership.pk),
        "object_id": str(owner.pk),
    }


def test_every_page_has_a_strict_content_security_policy_and_a_permissions_policy(
    client: Client, owner: User, ids: dict[str, str]
) -> None:
    client.force_login(owner)
    urls = set(_admin_model_pages())
    for route in _routes(get_resolver().url_patterns):
        if REGEX.search(route):
            continue
        names = PARAMETER.findall(route)
        if all(name in ids for name in names):
            urls.add("/" + PARAMETER.sub(lambda m: ids[m.group(1)], route))

    html_pages = 0
    missing = []
    for url in sorted(urls):
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
        strict = (
            directives.get("script-src") == "'self'"
            and directives.get("style-src") == "'self'"
            and directives.get("object-src") == "'none'"
            and directives.get("frame-ancestors") == "'none'"
            and "unsafe" not in policy
        )
        # The driver's page alone may use the camera (its own origin): it scans parcel labels.
        camera = "camera=(self)" if url == "/driver/" else "camera=()"
        if not strict or camera not in response.headers.get("Permissions-Policy", ""):
            missing.append(f"{url} {response.status_code}")
        html_pages += response.headers.get("Content-Type", "").startswith("text/html")

    assert missing == []
    assert html_pages >= 40, f"only {html_pages} HTML pages were opened"
