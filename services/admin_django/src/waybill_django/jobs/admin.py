from django.contrib import admin

from waybill_django.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ("id", "kind", "organization", "state", "percent", "created_at", "finished_at")
    list_filter = ("kind", "state")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
