"""The write path for vehicles."""

from typing import Any

from django.core.exceptions import ValidationError

from waybill_contracts.enums import Role
from waybill_contracts.workflow import ON_THE_ROAD
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.errors import Conflict
from waybill_django.core.transactions import unit_of_work
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.organizations.selectors import membership_role

VEHICLE_FIELDS = ("plate", "label", "capacity_kg", "capacity_parcels", "active", "driver")


def _check_driver(*, organization: Organization | int, driver: User | None) -> None:
    if driver is not None and membership_role(user=driver, organization=organization) is not Role.DRIVER:
        raise ValidationError(
            {"driver": "The driver must be a member of this organization with the driver role."}
        )


@unit_of_work()
def vehicle_create(*, organization: Organization, actor: User, **fields: Any) -> Vehicle:
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_VEHICLES)
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown vehicle fields: {', '.join(sorted(unknown))}")
    _check_driver(organization=organization, driver=fields.get("driver"))
    vehicle = Vehicle(organization=organization, **fields)
    vehicle.full_clean()
    vehicle.save()
    audit_record(action=AuditAction.VEHICLE_CREATED, target=vehicle, actor=actor, organization=organization)
    return vehicle


@unit_of_work()
def vehicle_update(*, vehicle: Vehicle, actor: User, fields: dict[str, Any]) -> Vehicle:
    check_permission(actor=actor, organization=vehicle.organization_id, action=Action.MANAGE_VEHICLES)
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"These vehicle fields cannot be changed: {', '.join(sorted(unknown))}")
    if "driver" in fields:
        _check_driver(organization=vehicle.organization_id, driver=fields["driver"])
    for name, value in fields.items():
        setattr(vehicle, name, value)
    vehicle.full_clean()
    vehicle.save(update_fields=list(fields))
    audit_record(
        action=AuditAction.VEHICLE_UPDATED,
        target=vehicle,
        actor=actor,
        organization=vehicle.organization,
        data={"changed": sorted(fields)},
    )
    return vehicle


@unit_of_work()
def vehicle_retire(*, vehicle: Vehicle, actor: User) -> Vehicle:
    """Take a vehicle out of service: it keeps its history but cannot be given shipments.

    Refused while shipments on the road are assigned to it: they would be left without a vehicle.
    """
    check_permission(actor=actor, organization=vehicle.organization_id, action=Action.MANAGE_VEHICLES)
    vehicle = Vehicle.unscoped.select_for_update().get(pk=vehicle.pk)
    if not vehicle.active:
        return vehicle
    on_the_road = vehicle.shipments.filter(status__in=ON_THE_ROAD).count()
    if on_the_road:
        raise Conflict(
            f"{vehicle.plate} still has {on_the_road} open shipment{'s' if on_the_road != 1 else ''}: "
            "reassign or finish them before retiring it."
        )
    vehicle.active = False
    vehicle.save(update_fields=["active"])
    audit_record(
        action=AuditAction.VEHICLE_RETIRED, target=vehicle, actor=actor, organization=vehicle.organization
    )
    return vehicle
