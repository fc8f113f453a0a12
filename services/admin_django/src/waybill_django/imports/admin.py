from django.contrib import admin

from waybill_django.imports.models import ShipmentImport


@admin.register(ShipmentImport)
class ShipmentImportAdmin(admin.ModelAdmin[ShipmentImport]):
    list_display = ("original_name", "organization", "job", "rows_total", "rows_imported", "rows_rejected")
    readonly_fields = [field.name for field in ShipmentImport._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
