from django.contrib import admin
from django.http import HttpRequest

from waybill_django.fleet.models import Position, Vehicle


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin[Vehicle]):
    list_display = ("plate", "label", "organization", "driver", "capacity_kg", "active", "created_at")
    list_filter = ("active", "organization")
    list_select_related = ("organization", "driver")
    search_fields = ("plate", "label", "driver__email", "organization__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organization", "driver")


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin[Position]):
    """Read-only: positions come from the realtime service's telemetry ingest."""

    list_display = ("vehicle", "recorded_at", "latitude", "longitude", "speed_kmh", "heading")
    list_filter = ("organization",)
    list_select_related = ("vehicle",)
    search_fields = ("vehicle__plate",)
    date_hierarchy = "recorded_at"
    autocomplete_fields = ("vehicle",)
    show_full_result_count = False  # counting millions of pings on every page load is slow

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Position | None = None) -> bool:
        return False
