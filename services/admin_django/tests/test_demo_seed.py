import pytest

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.demo.seed import DEMO_PASSWORD, seed_demo
from waybill_django.organizations.models import Membership
from waybill_django.shipments.models import Shipment

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_demo_once(redis_url: str) -> None:
    seed_demo()
    counts = (User.objects.count(), Membership.objects.count(), Shipment.objects.count())
    seed_demo()

    assert (User.objects.count(), Membership.objects.count(), Shipment.objects.count()) == counts
    assert counts == (4, 4, 4)


def test_the_demo_sign_in_works_and_shipments_span_the_workflow(redis_url: str) -> None:
    seed_demo()

    assert User.objects.get(email="dispatcher@demo.waybill.test").check_password(DEMO_PASSWORD)
    statuses = set(Shipment.objects.values_list("status", flat=True))
    assert {ShipmentStatus.DRAFT, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED} <= statuses
