"""Which details of a shipment may still change, by status.

Before assignment everything may. Once a vehicle is assigned the reference
(printed on the label) and the load (the vehicle was chosen for it) are fixed,
while addresses, windows and the customer contact may still be corrected.
Once the goods are picked up only what concerns the delivery may change: the
customer contact, the destination and the delivery window. A finished
shipment is a record and changes no more.
"""

from typing import Final

from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.shipments.models import DETAIL_FIELDS

_ALL: Final = frozenset(DETAIL_FIELDS)
_ON_VEHICLE: Final = _ALL - {"reference", "weight_kg", "parcels"}
_UNDER_WAY: Final = frozenset(
    {
        "customer_name",
        "customer_email",
        "destination_address",
        "destination_latitude",
        "destination_longitude",
        "delivery_window_start",
        "delivery_window_end",
    }
)

EDITABLE_FIELDS: Final[dict[S, frozenset[str]]] = {
    S.DRAFT: _ALL,
    S.BOOKED: _ALL,
    S.ASSIGNED: _ON_VEHICLE,
    S.PICKED_UP: _UNDER_WAY,
    S.IN_TRANSIT: _UNDER_WAY,
    S.EXCEPTION: _UNDER_WAY,
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}


def editable_fields(status: S | str) -> frozenset[str]:
    return EDITABLE_FIELDS[S(status)]
