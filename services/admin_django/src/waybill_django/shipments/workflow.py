"""The shipment status machine, as pure data and functions (no database).

draft -> booked -> assigned -> picked_up -> in_transit -> delivered
any state before picked_up -> cancelled
assigned | picked_up | in_transit -> exception -> (the state it left, or cancelled)
"""

from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.core.errors import Conflict

_FORWARD: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.PICKED_UP, S.CANCELLED, S.EXCEPTION}),
    S.PICKED_UP: frozenset({S.IN_TRANSIT, S.EXCEPTION}),
    S.IN_TRANSIT: frozenset({S.DELIVERED, S.EXCEPTION}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}


class TransitionNotAllowed(Conflict):
    def __init__(self, current: S, target: S) -> None:
        super().__init__(f"A shipment cannot go from {current.value} to {target.value}.")
        self.current = current
        self.target = target


def allowed_targets(current: S, *, left_for_exception: S | None = None) -> frozenset[S]:
    """The statuses reachable from ``current``.

    ``left_for_exception`` is the status a shipment in ``exception`` came from:
    it may return there, or be cancelled.
    """
    if current is S.EXCEPTION:
        return (
            frozenset({left_for_exception, S.CANCELLED}) if left_for_exception else frozenset({S.CANCELLED})
        )
    return _FORWARD[current]


def check_transition(current: S, target: S, *, left_for_exception: S | None = None) -> None:
    if target not in allowed_targets(current, left_for_exception=left_for_exception):
        raise TransitionNotAllowed(current, target)
