from django.contrib import admin

from waybill_django.reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ("organization", "period_start", "period_end", "scheduled", "job")
    list_filter = ("scheduled",)
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
