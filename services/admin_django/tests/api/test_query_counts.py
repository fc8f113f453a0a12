"""The busy pages keep a fixed number of queries however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def shipments(organization: Organization, count: int, vehicle: Vehicle, start: int = 0) -> None:
    Shipment.unscoped.bulk_create(
        Shipment(
            organization=organization,
            reference=f"Q-{n}",
            tracking_code=f"code-{n}",
            origin_address="a",
            destination_address="b",
            status=ShipmentStatus.ASSIGNED,
            vehicle=vehicle,
        )
        for n in range(start, start + count)
    )


@pytest.mark.parametrize("count", [1, 30])
def test_the_api_shipment_list(
    api: ApiClient,
    organization: Organization,
    truck: Vehicle,
    count: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    shipments(organization, count, truck)
    # token lookup, last-used update, membership role, count, page
    with django_assert_num_queries(5):
        assert len(api.get("/shipments").json()["items"]) == count


def test_the_admin_shipment_changelist_costs_the_same_for_1_or_30_rows(
    client: Client, staff: User, organization: Organization, truck: Vehicle
) -> None:
    client.force_login(staff)

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/shipments/shipment/").status_code == 200
        return len(queries)

    shipments(organization, 1, truck, start=0)
    one = queries_for_the_list()
    shipments(organization, 29, truck, start=1)
    assert queries_for_the_list() == one
