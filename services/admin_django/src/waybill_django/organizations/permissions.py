"""Who may do what: the one permission table every entry point consults."""

from enum import StrEnum

from waybill_contracts.enums import Role


class Action(StrEnum):
    VIEW_SHIPMENTS = "view_shipments"
    MANAGE_SHIPMENTS = "manage_shipments"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.ADMIN: frozenset(Action),
    Role.DISPATCHER: frozenset({Action.VIEW_SHIPMENTS, Action.MANAGE_SHIPMENTS}),
    Role.DRIVER: frozenset({Action.VIEW_SHIPMENTS}),
    Role.VIEWER: frozenset({Action.VIEW_SHIPMENTS}),
}


def role_allows(role: Role | str, action: Action) -> bool:
    return action in ROLE_ACTIONS[Role(role)]
