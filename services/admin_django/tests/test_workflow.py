import itertools

import pytest

from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.shipments.workflow import TransitionNotAllowed, allowed_targets, check_transition

HAPPY_PATH = [S.DRAFT, S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED]


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(HAPPY_PATH)))
def test_each_step_of_the_happy_path_is_allowed(current: S, target: S) -> None:
    check_transition(current, target)


@pytest.mark.parametrize("current", [S.DRAFT, S.BOOKED, S.ASSIGNED])
def test_a_shipment_not_yet_picked_up_can_be_cancelled(current: S) -> None:
    check_transition(current, S.CANCELLED)


@pytest.mark.parametrize("current", [S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED])
def test_a_shipment_picked_up_or_later_cannot_be_cancelled(current: S) -> None:
    with pytest.raises(TransitionNotAllowed, match=f"from {current.value} to cancelled"):
        check_transition(current, S.CANCELLED)


@pytest.mark.parametrize("left", [S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT])
def test_an_exception_returns_only_to_the_state_it_left_or_to_cancelled(left: S) -> None:
    check_transition(left, S.EXCEPTION)
    assert allowed_targets(S.EXCEPTION, left_for_exception=left) == {left, S.CANCELLED}


def test_no_status_can_be_skipped() -> None:
    with pytest.raises(TransitionNotAllowed):
        check_transition(S.DRAFT, S.DELIVERED)


@pytest.mark.parametrize("final", [S.DELIVERED, S.CANCELLED])
def test_final_states_go_nowhere(final: S) -> None:
    assert allowed_targets(final) == frozenset()
