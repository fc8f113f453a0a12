"""The status machine and its named groups place every status on purpose."""

import pytest

from waybill_contracts.enums import ShipmentStatus as S
from waybill_contracts.workflow import (
    EDITABLE,
    FINISHED,
    MOVING,
    ON_BOARD,
    ON_THE_ROAD,
    OPEN,
    allowed_targets,
)


@pytest.mark.parametrize("status", list(S))
def test_every_status_is_open_or_finished_and_has_its_moves(status: S) -> None:
    assert (status in OPEN) != (status in FINISHED)
    targets = allowed_targets(status, left_for_exception=S.IN_TRANSIT)
    assert (not targets) == (status in FINISHED), "a finished shipment has no move; an open one has some"


def test_the_groups_nest_as_their_names_say() -> None:
    assert ON_BOARD < MOVING < ON_THE_ROAD < OPEN
    assert EDITABLE < OPEN
    assert not EDITABLE & ON_THE_ROAD


def test_a_shipment_in_exception_returns_where_it_left_or_is_cancelled() -> None:
    assert allowed_targets(S.EXCEPTION, left_for_exception=S.PICKED_UP) == {S.PICKED_UP, S.CANCELLED}
    assert allowed_targets(S.EXCEPTION) == {S.CANCELLED}
