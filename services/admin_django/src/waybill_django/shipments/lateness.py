"""Shipments still on the road after their delivery window move to ``exception``, through the workflow."""

from datetime import datetime, timedelta

from django.conf import settings

from waybill_contracts.workflow import MOVING
from waybill_django.core.transactions import unit_of_work
from waybill_django.jobs.actors import system_actor
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_report_exception
from waybill_django.shipments.workflow import TransitionNotAllowed

BATCH_SIZE = 500


def shipments_report_late(*, now: datetime) -> list[Shipment]:
    """Report an exception on each shipment past its window, once per shipment.

    Once reported (``late_reported_at``), a shipment whose exception is
    resolved back onto the road is not reported again: a dispatcher decided.
    """
    grace = timedelta(seconds=settings.LATE_SHIPMENT_GRACE_SECONDS)
    late_ids = list(
        Shipment.unscoped.filter(
            status__in=MOVING, delivery_window_end__lt=now - grace, late_reported_at__isnull=True
        )
        .order_by("delivery_window_end")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    actor = system_actor()
    reported = []
    for shipment_id in late_ids:
        with unit_of_work():
            shipment = (
                Shipment.unscoped.select_for_update(of=("self",))
                .select_related("vehicle")
                .filter(pk=shipment_id, late_reported_at__isnull=True)
                .first()
            )
            if shipment is None or shipment.delivery_window_end is None:
                continue
            try:
                shipment_report_exception(
                    shipment=shipment,
                    actor=actor,
                    reason=f"Not delivered by the end of its delivery window, {shipment.delivery_window_end:%Y-%m-%d %H:%M} UTC.",
                )
            except TransitionNotAllowed:
                continue  # it moved on (delivered, cancelled) since the query
            Shipment.unscoped.filter(pk=shipment_id).update(late_reported_at=now)
            reported.append(shipment)
    return reported
