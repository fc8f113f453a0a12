from django.contrib import admin
from django.http import HttpRequest

from waybill_django.core.admin import DomainAdminForm, DomainModelAdmin, Write, admin_actor
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.fleet.services import VEHICLE_FIELDS, vehicle_create, vehicle_update


@admin.register(Vehicle)
class VehicleAdmin(DomainModelAdmin[Vehicle]):
    """Vehicles are added and changed with the dashboard's rules (the driver must have the driver role)."""

    domain_writes = {Write.ADD: vehicle_create, Write.CHANGE: vehicle_update}
    list_display = ("plate", "label", "organization", "driver", "capacity_kg", "active", "created_at")
    list_filter = ("active", "organization")
    list_select_related = ("organization", "driver")
    search_fields = ("plate", "label", "driver__email", "organization__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organization", "driver")
    fields = ("organization", *VEHICLE_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Vehicle | None = None) -> tuple[str, ...]:
        return ("organization",) if obj else ()

    def domain_save(self, request: HttpRequest, form: DomainAdminForm[Vehicle]) -> Vehicle:
        data, actor = form.cleaned_data, admin_actor(request)
        if form.instance._state.adding:
            details = {name: data[name] for name in VEHICLE_FIELDS if name in data}
            return vehicle_create(organization=data["organization"], actor=actor, **details)
        stored = Vehicle.unscoped.get(pk=form.instance.pk)
        changed = {name: data[name] for name in VEHICLE_FIELDS if name in form.changed_data}
        return vehicle_update(vehicle=stored, actor=actor, fields=changed) if changed else stored


@admin.register(Position)
class PositionAdmin(DomainModelAdmin[Position]):
    """Read-only: positions come from the realtime service's telemetry ingest and are pruned by age."""

    list_display = ("vehicle", "recorded_at", "latitude", "longitude", "speed_kmh", "heading")
    list_filter = ("organization",)
    list_select_related = ("vehicle",)
    search_fields = ("vehicle__plate",)
    date_hierarchy = "recorded_at"
    show_full_result_count = False  # counting millions of pings on every page load is slow
