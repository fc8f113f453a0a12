"""The shipment status machine, and the named groups of statuses every service reads.

draft -> booked -> assigned -> picked_up -> in_transit -> delivered
assigned -> booked (unassigned: taken off its vehicle before pick-up)
any state before picked_up -> cancelled
assigned | picked_up | in_transit -> exception -> (the state it left, or cancelled)

Code and templates test a status against these sets, never against a list
of literals, so a new status is placed in each group once, here.
"""

from typing import Final

from waybill_contracts.enums import ShipmentStatus as S

_FORWARD: Final[dict[S, frozenset[S]]] = {
    S.DRAFT: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.PICKED_UP, S.BOOKED, S.CANCELLED, S.EXCEPTION}),
    S.PICKED_UP: frozenset({S.IN_TRANSIT, S.EXCEPTION}),
    S.IN_TRANSIT: frozenset({S.DELIVERED, S.EXCEPTION}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

FINISHED: Final = frozenset({S.DELIVERED, S.CANCELLED})
"""Nothing more happens to the shipment."""

OPEN: Final = frozenset(S) - FINISHED
"""Still to be done: everything not finished."""

EDITABLE: Final = frozenset({S.DRAFT, S.BOOKED})
"""The descriptive fields may still change."""

ON_BOARD: Final = frozenset({S.PICKED_UP, S.IN_TRANSIT})
"""The vehicle carries the shipment: its position is the shipment's."""

MOVING: Final = frozenset({S.ASSIGNED, *ON_BOARD})
"""A vehicle is on its way with the shipment or to fetch it: an ETA means something, lateness is watched."""

ON_THE_ROAD: Final = frozenset({*MOVING, S.EXCEPTION})
"""Assigned to a vehicle and not yet finished (an exception stays on the road until resolved)."""


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
