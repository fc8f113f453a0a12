"""The workflow moves a page offers: what ``shipment_moves_for`` allows, with labels and needed input."""

from dataclasses import dataclass

from waybill_contracts.enums import ShipmentStatus
from waybill_django.dashboard.access import Workspace
from waybill_django.shipments.models import STATUS_LABELS, Shipment
from waybill_django.shipments.selectors import shipment_moves_for


@dataclass(frozen=True)
class Move:
    """A workflow move the user may make now, as the detail page offers it."""

    target: ShipmentStatus
    label: str
    needs: str = ""
    """The extra input: "vehicle", "reason", "recipient" or nothing."""
    danger: bool = False


_MOVE_LABELS = {
    ShipmentStatus.BOOKED: "Book",
    ShipmentStatus.ASSIGNED: "Assign to a vehicle",
    ShipmentStatus.PICKED_UP: "Picked up",
    ShipmentStatus.IN_TRANSIT: "In transit",
    ShipmentStatus.DELIVERED: "Delivered",
    ShipmentStatus.CANCELLED: "Cancel",
    ShipmentStatus.EXCEPTION: "Report an exception",
}
_MOVE_NEEDS = {
    ShipmentStatus.ASSIGNED: "vehicle",
    ShipmentStatus.DELIVERED: "recipient",
    ShipmentStatus.EXCEPTION: "reason",
    ShipmentStatus.CANCELLED: "reason",
}


def available_moves(*, shipment: Shipment, workspace: Workspace) -> list[Move]:
    """The moves ``shipment_moves_for`` allows, as the detail page offers them."""
    left = shipment.status_before_exception
    moves = []
    for target in shipment_moves_for(shipment=shipment, actor=workspace.user, role=workspace.role):
        if shipment.status == ShipmentStatus.EXCEPTION and target.value == left:
            moves.append(Move(target, f"Resolve: back to {STATUS_LABELS[target].lower()}", "reason"))
            continue
        if shipment.status == ShipmentStatus.ASSIGNED and target is ShipmentStatus.BOOKED:
            moves.append(Move(target, "Unassign from the vehicle"))
            continue
        label = _MOVE_LABELS.get(target, STATUS_LABELS[target])
        moves.append(
            Move(target, label, _MOVE_NEEDS.get(target, ""), danger=target is ShipmentStatus.CANCELLED)
        )
    return moves
