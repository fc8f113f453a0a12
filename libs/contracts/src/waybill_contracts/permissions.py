"""Who may do what: the one permission table that every service consults.

Django's views, API, admin actions and domain functions check it through
``waybill_django.organizations.permissions``; the realtime service reads it
to authorize channels. A role's actions are listed here and nowhere else.
"""

from enum import StrEnum
from typing import Final

from waybill_contracts.enums import Role
from waybill_contracts.enums import ShipmentStatus as S


class Action(StrEnum):
    VIEW_SHIPMENTS = "view_shipments"
    MANAGE_SHIPMENTS = "manage_shipments"  # create, edit details, book, assign, resolve exceptions
    CANCEL_SHIPMENTS = "cancel_shipments"
    MOVE_SHIPMENTS = "move_shipments"  # pick up, in transit, deliver
    REPORT_EXCEPTIONS = "report_exceptions"
    VIEW_VEHICLES = "view_vehicles"
    MANAGE_VEHICLES = "manage_vehicles"
    MANAGE_MEMBERS = "manage_members"  # invite, change roles, remove
    MANAGE_OWNERS = "manage_owners"  # grant or take the owner role
    MANAGE_API_TOKENS = "manage_api_tokens"
    VIEW_AUDIT_LOG = "view_audit_log"


_READ: Final = frozenset({Action.VIEW_SHIPMENTS, Action.VIEW_VEHICLES})
_DISPATCH: Final = _READ | {
    Action.MANAGE_SHIPMENTS,
    Action.CANCEL_SHIPMENTS,
    Action.MOVE_SHIPMENTS,
    Action.REPORT_EXCEPTIONS,
}
_ADMINISTER: Final = _DISPATCH | {
    Action.MANAGE_VEHICLES,
    Action.MANAGE_MEMBERS,
    Action.MANAGE_API_TOKENS,
    Action.VIEW_AUDIT_LOG,
}

ROLE_ACTIONS: Final[dict[Role, frozenset[Action]]] = {
    Role.OWNER: frozenset(Action),
    Role.ADMIN: _ADMINISTER,
    Role.DISPATCHER: _DISPATCH,
    Role.DRIVER: _READ | {Action.MOVE_SHIPMENTS, Action.REPORT_EXCEPTIONS},
    Role.VIEWER: _READ,
}

OWN_VEHICLE_ONLY: Final[frozenset[Role]] = frozenset({Role.DRIVER})
"""Roles that act only on shipments assigned to the vehicle they drive."""


def role_allows(role: Role | str, action: Action) -> bool:
    return action in ROLE_ACTIONS[Role(role)]


def transition_action(current: S, target: S) -> Action:
    """The action a workflow move from ``current`` to ``target`` needs."""
    if current is S.EXCEPTION and target is not S.CANCELLED:
        return Action.MANAGE_SHIPMENTS
    match target:
        case S.PICKED_UP | S.IN_TRANSIT | S.DELIVERED:
            return Action.MOVE_SHIPMENTS
        case S.EXCEPTION:
            return Action.REPORT_EXCEPTIONS
        case S.CANCELLED:
            return Action.CANCEL_SHIPMENTS
        case _:
            return Action.MANAGE_SHIPMENTS
