"""Public tracking: what a customer holding a tracking code may see.

``GET /v1/track/{code}`` answers ``PublicTracking``, and the ``track:<code>``
channel sends the same object whenever it changes. Nothing here names an
organization, a vehicle, a person or an internal id.
"""

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.workflow import MOVING, ON_BOARD

# Longer codes are no shipment's: both services answer them as unknown without a query.
MAX_TRACKING_CODE_LENGTH: Final = 32
COARSE_POSITION_DECIMALS: Final = 2
"""Public positions are rounded to 0.01° (about 1 km)."""

POSITION_VISIBLE_STATUSES: Final = ON_BOARD
"""A position is shown only while the shipment is on board: before pickup the vehicle is on others' errands."""

ETA_VISIBLE_STATUSES: Final = MOVING
"""An estimate means something only while a vehicle is on its way with the shipment (or to fetch it)."""


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CoarsePosition(_Public):
    latitude: float
    longitude: float
    recorded_at: datetime = Field(description="Rounded down to the minute.")


class TimelineEntry(_Public):
    status: ShipmentStatus
    occurred_at: datetime


class PublicTracking(_Public):
    tracking_code: str
    status: ShipmentStatus
    eta: datetime | None = Field(default=None, description="Estimated delivery, when one is known.")
    last_position: CoarsePosition | None = None
    timeline: list[TimelineEntry] = Field(description="Status changes, oldest first.")
