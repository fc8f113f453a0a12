import uuid

from django.conf import settings
from django.db import models

from waybill_contracts.jobs import JobKind, JobState
from waybill_django.core.tenancy import TenantModel


class Job(TenantModel):
    """A background job someone started and may watch: its state and progress.

    ``state``, ``percent`` and ``error`` change only through ``jobs.services``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=[(kind.value, kind.name.title()) for kind in JobKind])
    state = models.CharField(
        max_length=16,
        choices=[(state.value, state.name.title()) for state in JobState],
        default=JobState.QUEUED.value,
    )
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A database default too: the realtime service's tests insert jobs without naming every column.
    dispatches = models.PositiveIntegerField(
        default=0, db_default=0, help_text="How often its task was enqueued again."
    )
    task_lease_until = models.DateTimeField(
        null=True, blank=True, help_text="Still queued then, its task is taken for lost and enqueued again."
    )

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=("organization", "-created_at"), name="job_org_recent"),
            models.Index(
                fields=("task_lease_until",), name="job_queued_lease", condition=models.Q(state="queued")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return JobState(self.state).is_final
