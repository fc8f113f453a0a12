"""Positions older than the retention period are deleted, in batches."""

from datetime import datetime, timedelta

from django.conf import settings

from waybill_django.fleet.models import Position

BATCH_SIZE = 5000
MAX_BATCHES = 200
"""Per run, so that one run stays within its time limit; the next run goes on."""


def positions_prune(*, now: datetime) -> int:
    """Delete positions older than ``POSITION_RETENTION_DAYS``; returns how many.

    Each batch is its own short statement, so a large backlog never holds
    locks on the table for long or builds one huge transaction.
    """
    cutoff = now - timedelta(days=settings.POSITION_RETENTION_DAYS)
    deleted = 0
    for _ in range(MAX_BATCHES):
        batch = list(
            Position.unscoped.filter(recorded_at__lt=cutoff).values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not batch:
            break
        deleted += Position.unscoped.filter(pk__in=batch).delete()[0]
        if len(batch) < BATCH_SIZE:
            break
    return deleted
