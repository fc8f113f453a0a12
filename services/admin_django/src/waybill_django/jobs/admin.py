from django.contrib import admin

from waybill_django.core.admin import DomainModelAdmin
from waybill_django.jobs.models import Job


@admin.register(Job)
class JobAdmin(DomainModelAdmin[Job]):
    """Read-only: a job's state is the worker's; its import or report points at it."""

    list_display = ("id", "kind", "organization", "state", "percent", "created_at", "finished_at")
    list_filter = ("kind", "state")
    date_hierarchy = "created_at"
