from django.contrib import admin

from waybill_django.core.admin import DomainModelAdmin
from waybill_django.reports.models import Report


@admin.register(Report)
class ReportAdmin(DomainModelAdmin[Report]):
    """Read-only: reports are requested in the dashboard or scheduled monthly, and built by the worker."""

    list_display = ("organization", "period_start", "period_end", "scheduled", "job")
    list_filter = ("scheduled",)
