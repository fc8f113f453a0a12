from django.contrib import admin

from waybill_django.core.admin import DomainModelAdmin
from waybill_django.imports.models import ShipmentImport


@admin.register(ShipmentImport)
class ShipmentImportAdmin(DomainModelAdmin[ShipmentImport]):
    """Read-only: imports are started in the dashboard and run by the worker."""

    list_display = ("original_name", "organization", "job", "rows_total", "rows_imported", "rows_rejected")
