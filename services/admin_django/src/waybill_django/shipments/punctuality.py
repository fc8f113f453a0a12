"""When a delivery counts as early, on time or late: the one rule every report uses.

A delivery is on time when it happened inside its delivery window, both
bounds included; before the window opened it is early, after it closed it is
late. A window with one bound judges by that bound alone; a shipment without
any window is not judged. :func:`punctuality` states the rule for one
delivery, :func:`punctuality_expression` the same rule in SQL for counting
many; a test holds the two equal at every edge.
"""

from datetime import datetime
from enum import StrEnum

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.expressions import Combinable


class Punctuality(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    NO_WINDOW = "no_window"


PUNCTUALITY_LABELS = {
    Punctuality.EARLY: "Early",
    Punctuality.ON_TIME: "On time",
    Punctuality.LATE: "Late",
    Punctuality.NO_WINDOW: "No window",
}


def punctuality(
    *, delivered_at: datetime, window_start: datetime | None, window_end: datetime | None
) -> Punctuality:
    if window_start is None and window_end is None:
        return Punctuality.NO_WINDOW
    if window_start is not None and delivered_at < window_start:
        return Punctuality.EARLY
    if window_end is not None and delivered_at > window_end:
        return Punctuality.LATE
    return Punctuality.ON_TIME


def punctuality_expression(*, delivered_at: str | Combinable, shipment: str = "") -> Case:
    """:func:`punctuality` as a SQL ``CASE`` over a delivery time and the shipment's window.

    ``shipment`` is the lookup path from the queried model to the shipment
    (``"shipment__"`` from a tracking event, ``""`` on the shipment itself).
    """
    at = F(delivered_at) if isinstance(delivered_at, str) else delivered_at
    start, end = f"{shipment}delivery_window_start", f"{shipment}delivery_window_end"
    return Case(
        When(
            Q(**{f"{start}__isnull": True, f"{end}__isnull": True}), then=Value(Punctuality.NO_WINDOW.value)
        ),
        When(Q(**{f"{start}__isnull": False, f"{start}__gt": at}), then=Value(Punctuality.EARLY.value)),
        When(Q(**{f"{end}__isnull": False, f"{end}__lt": at}), then=Value(Punctuality.LATE.value)),
        default=Value(Punctuality.ON_TIME.value),
        output_field=CharField(),
    )
