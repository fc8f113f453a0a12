from django.db import models


class OutboxMessage(models.Model):
    """An event committed with the change it describes, waiting to be published.

    The primary key is the event's id, so publishing twice is recognisable.
    """

    event_id = models.UUIDField(primary_key=True)
    organization_id = models.BigIntegerField()
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("created_at",)
        indexes = [
            models.Index(
                fields=("created_at",),
                condition=models.Q(published_at__isnull=True),
                name="outbox_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
