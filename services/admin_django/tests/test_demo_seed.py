import pytest

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.demo.seed import DEMO_PASSWORD, seed_demo
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership
from waybill_django.shipments.models import Shipment

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_demo_once(redis_url: str) -> None:
    seed_demo()
    counts = (User.objects.count(), Membership.unscoped.count(), Shipment.unscoped.count())
    seed_demo()

    assert (User.objects.count(), Membership.unscoped.count(), Shipment.unscoped.count()) == counts
    assert counts == (4, 4, 8)


def test_the_demo_sign_in_works_and_shipments_span_the_workflow(redis_url: str) -> None:
    seed_demo()

    assert User.objects.get(email="dispatcher@demo.waybill.test").check_password(DEMO_PASSWORD)
    statuses = set(Shipment.unscoped.values_list("status", flat=True))
    assert statuses == set(ShipmentStatus)
    assert Vehicle.unscoped.filter(driver__email="driver@demo.waybill.test").exists()
