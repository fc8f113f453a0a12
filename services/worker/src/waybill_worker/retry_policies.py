"""Named retry policies for tasks: which failures Celery retries, how often, and their time limits.

Every time limit stays below the broker's visibility timeout (``test_time_limits.py``).
An endpoint's or a mailbox's own refusal is not here: the domain records it and
schedules its own retry.
"""

from smtplib import SMTPException
from typing import Any, Final

from django.db import DatabaseError, OperationalError

_EXPONENTIAL: Final[dict[str, Any]] = {"retry_backoff": True, "retry_jitter": True}

# An email: the database or the SMTP server is briefly away.
EMAIL: Final[dict[str, Any]] = {
    **_EXPONENTIAL,
    "autoretry_for": (DatabaseError, SMTPException, ConnectionError),
    "retry_backoff_max": 300,
    "max_retries": 8,
    "soft_time_limit": 30,
    "time_limit": 60,
}

# Webhook fan-out and delivery: only infrastructure failures are Celery retries.
WEBHOOK: Final[dict[str, Any]] = {
    **_EXPONENTIAL,
    "autoretry_for": (DatabaseError, ConnectionError),
    "retry_backoff_max": 300,
    "max_retries": 10,
    "soft_time_limit": 30,
    "time_limit": 45,
}

# An ETA recompute is soon superseded by the next position: retry briefly, then let it go.
ETA: Final[dict[str, Any]] = {
    **_EXPONENTIAL,
    "autoretry_for": (OperationalError,),
    "retry_backoff_max": 60,
    "max_retries": 3,
    "soft_time_limit": 30,
    "time_limit": 45,
}
