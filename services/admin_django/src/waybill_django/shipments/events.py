"""The one place a shipment event's envelope is filled in: a new id, the organization, the shipment."""

import uuid
from datetime import datetime
from typing import Any, TypeVar

from waybill_contracts.events import ShipmentEvent
from waybill_django.shipments.models import Shipment

E = TypeVar("E", bound=ShipmentEvent)


def shipment_event(event_type: type[E], *, shipment: Shipment, occurred_at: datetime, **fields: Any) -> E:
    """An event about ``shipment``; ``fields`` are what the event type adds (validated by the contract)."""
    return event_type(
        event_id=uuid.uuid4(),
        organization_id=shipment.organization_id,
        occurred_at=occurred_at,
        shipment_id=shipment.pk,
        reference=shipment.reference,
        **fields,
    )
