from django.db import models

from waybill_django.core.tenancy import TenantModel
from waybill_django.jobs.models import Job


class Report(TenantModel):
    """An organization's delivery figures for a period, computed by a job, with their CSV."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True, related_name="report")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The first day after the period.")
    scheduled = models.BooleanField(default=False, help_text="Made by the monthly schedule, not on demand.")
    figures = models.JSONField(default=dict, blank=True)
    csv = models.FileField(upload_to="reports/%Y/%m/", blank=True)

    class Meta:
        ordering = ("-period_start",)
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "period_start", "period_end"),
                condition=models.Q(scheduled=True),
                name="report_one_scheduled_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="report_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period_start}to{self.period_end}"
