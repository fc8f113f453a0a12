from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params import HeaderEx, P

from waybill_django.accounts.models import User
from waybill_django.api.auth import Principal, principal_of, require
from waybill_django.api.idempotency import idempotent_create
from waybill_django.api.input import BoundedPageNumberPagination
from waybill_django.api.schemas import Error, VehicleCreate, VehicleOut, VehiclePatch
from waybill_django.fleet.models import Vehicle
from waybill_django.fleet.selectors import vehicle_get, vehicle_list
from waybill_django.fleet.services import vehicle_create, vehicle_update
from waybill_django.organizations.permissions import Action

router = Router(tags=["vehicles"])
ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: Error, 422: Error}


def _with_driver(principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    """Swap ``driver_id`` for the member it names; an id from outside the organization is refused alike."""
    if "driver_id" not in fields:
        return fields
    driver_id = fields.pop("driver_id")
    driver = None
    if driver_id is not None:
        driver = User.objects.filter(pk=driver_id, memberships__organization=principal.organization).first()
        if driver is None:
            raise ValidationError({"driver_id": ["No member of this organization has this id."]})
    return {**fields, "driver": driver}


@router.get("/vehicles", response=list[VehicleOut])
@paginate(BoundedPageNumberPagination, page_size=100)
def list_vehicles(request: HttpRequest, active: bool | None = None) -> Any:
    principal = principal_of(request)
    require(principal, Action.VIEW_VEHICLES)
    return vehicle_list(organization=principal.organization, active=active)


@router.post("/vehicles", response={201: VehicleOut, **ERRORS})
def create_vehicle(
    request: HttpRequest,
    payload: VehicleCreate,
    idempotency_key: HeaderEx[str | None, P(alias="Idempotency-Key", max_length=255)] = None,
) -> Status[dict[str, Any]]:
    principal = principal_of(request)

    def create() -> tuple[int, dict[str, Any]]:
        vehicle = vehicle_create(
            organization=principal.organization,
            actor=principal.user,
            **_with_driver(principal, payload.model_dump()),
        )
        return 201, VehicleOut.from_orm(vehicle).model_dump(mode="json")

    status, body = idempotent_create(
        organization=principal.organization,
        endpoint="vehicles.create",
        key=idempotency_key,
        request_body=payload.model_dump(mode="json"),
        create=create,
    )
    return Status(status, body)


@router.get("/vehicles/{vehicle_id}", response={200: VehicleOut, **ERRORS})
def get_vehicle(request: HttpRequest, vehicle_id: int) -> Vehicle:
    principal = principal_of(request)
    require(principal, Action.VIEW_VEHICLES)
    return vehicle_get(organization=principal.organization, vehicle_id=vehicle_id)


@router.patch("/vehicles/{vehicle_id}", response={200: VehicleOut, **ERRORS})
def update_vehicle(request: HttpRequest, vehicle_id: int, payload: VehiclePatch) -> Vehicle:
    principal = principal_of(request)
    vehicle = vehicle_get(organization=principal.organization, vehicle_id=vehicle_id)
    fields = _with_driver(principal, payload.model_dump(exclude_unset=True))
    return vehicle_update(vehicle=vehicle, actor=principal.user, fields=fields)
