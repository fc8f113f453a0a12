"""Django's side of the status machine in ``waybill_contracts.workflow``: refusing a move."""

from waybill_contracts.enums import ShipmentStatus as S
from waybill_contracts.workflow import allowed_targets
from waybill_django.core.errors import Conflict

__all__ = ["TransitionNotAllowed", "allowed_targets", "check_transition"]


class TransitionNotAllowed(Conflict):
    def __init__(self, current: S, target: S) -> None:
        super().__init__(f"A shipment cannot go from {current.value} to {target.value}.")
        self.current = current
        self.target = target


def check_transition(current: S, target: S, *, left_for_exception: S | None = None) -> None:
    if target not in allowed_targets(current, left_for_exception=left_for_exception):
        raise TransitionNotAllowed(current, target)
