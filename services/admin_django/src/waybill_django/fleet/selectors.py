from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization


def vehicle_list(*, organization: Organization, active: bool | None = None) -> QuerySet[Vehicle]:
    vehicles = Vehicle.objects.in_organization(organization)
    if active is not None:
        vehicles = vehicles.filter(active=active)
    return vehicles.order_by("plate")


def vehicle_get(*, organization: Organization, vehicle_id: int) -> Vehicle:
    return get_object_or_404(Vehicle.objects.in_organization(organization), pk=vehicle_id)
