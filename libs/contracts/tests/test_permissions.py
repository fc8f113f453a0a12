import pytest

from waybill_contracts.enums import Role
from waybill_contracts.enums import ShipmentStatus as S
from waybill_contracts.permissions import ROLE_ACTIONS, Action, role_allows, transition_action


def test_every_role_has_a_row_in_the_permission_table() -> None:
    assert set(ROLE_ACTIONS) == set(Role)


def test_owners_may_do_everything_and_viewers_only_look() -> None:
    assert all(role_allows(Role.OWNER, action) for action in Action)
    assert {action for action in Action if role_allows("viewer", action)} == {
        Action.VIEW_SHIPMENTS,
        Action.VIEW_VEHICLES,
    }


def test_only_owners_grant_the_owner_role() -> None:
    assert [role for role in Role if role_allows(role, Action.MANAGE_OWNERS)] == [Role.OWNER]


@pytest.mark.parametrize(
    ("current", "target", "action"),
    [
        (S.DRAFT, S.BOOKED, Action.MANAGE_SHIPMENTS),
        (S.IN_TRANSIT, S.DELIVERED, Action.MOVE_SHIPMENTS),
        (S.IN_TRANSIT, S.EXCEPTION, Action.REPORT_EXCEPTIONS),
        (S.EXCEPTION, S.IN_TRANSIT, Action.MANAGE_SHIPMENTS),
        (S.EXCEPTION, S.CANCELLED, Action.CANCEL_SHIPMENTS),
    ],
)
def test_each_move_needs_the_action_of_the_people_who_make_it(current: S, target: S, action: Action) -> None:
    assert transition_action(current, target) is action
