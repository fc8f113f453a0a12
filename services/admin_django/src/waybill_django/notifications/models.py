from django.db import models

from waybill_django.shipments.models import Shipment


class Notification(models.Model):
    """An email sent about one event to one recipient (at most once)."""

    event_id = models.UUIDField()
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-sent_at",)
        constraints = [
            models.UniqueConstraint(fields=("event_id", "recipient"), name="notification_once_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"
