"""Django's side of the permission table in ``waybill_contracts.permissions``."""

from django.core.exceptions import PermissionDenied

from waybill_contracts.enums import Role
from waybill_contracts.permissions import (
    OWN_VEHICLE_ONLY,
    ROLE_ACTIONS,
    Action,
    role_allows,
    transition_action,
)
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Organization
from waybill_django.organizations.selectors import membership_role

__all__ = [
    "OWN_VEHICLE_ONLY",
    "ROLE_ACTIONS",
    "Action",
    "actor_may",
    "check_permission",
    "role_allows",
    "transition_action",
]

_REFUSALS = {
    Action.VIEW_SHIPMENTS: "see shipments",
    Action.MANAGE_SHIPMENTS: "manage shipments",
    Action.CANCEL_SHIPMENTS: "cancel shipments",
    Action.MOVE_SHIPMENTS: "move shipments along",
    Action.REPORT_EXCEPTIONS: "report exceptions",
    Action.VIEW_VEHICLES: "see vehicles",
    Action.MANAGE_VEHICLES: "manage vehicles",
    Action.MANAGE_MEMBERS: "manage members",
    Action.MANAGE_OWNERS: "grant or take the owner role",
    Action.MANAGE_API_TOKENS: "manage API tokens",
    Action.VIEW_AUDIT_LOG: "see the audit log",
}


def actor_may(*, actor: User, role: Role | None, action: Action) -> bool:
    """Whether ``actor``, holding ``role`` in an organization, may do ``action`` there.

    Platform staff (the back office) may do anything. What a page offers and
    what ``check_permission`` enforces both come from here.
    """
    if actor.is_staff and actor.is_active:
        return True
    return role is not None and role_allows(role, action)


def check_permission(*, actor: User, organization: Organization | int, action: Action) -> Role | None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``action`` in ``organization``.

    Returns the actor's role; platform staff get ``None``.
    """
    role = (
        None if actor.is_staff and actor.is_active else membership_role(user=actor, organization=organization)
    )
    if not actor_may(actor=actor, role=role, action=action):
        raise PermissionDenied(f"Your role in this organization does not allow you to {_REFUSALS[action]}.")
    return role
