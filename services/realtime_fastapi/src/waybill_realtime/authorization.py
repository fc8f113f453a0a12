"""Who may read what: membership roles from Django's tables, actions from the contracts' permission table."""

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_contracts.enums import Role
from waybill_contracts.events import Event, InvitationCreated
from waybill_contracts.permissions import Action, role_allows
from waybill_realtime.tables import Membership, Organization

ROLE_OF_ACTIVE_MEMBER: Final = (
    "SELECT m.role FROM organizations_membership m JOIN accounts_user u ON u.id = m.user_id"
    " WHERE m.user_id = $1 AND m.organization_id = $2 AND u.is_active"
)


async def organization_role(connection: Any, *, user_id: int, organization_id: int) -> Role | None:
    """The role of an *active* user in the organization, or None when they may not see it.

    On a raw asyncpg connection (``db.raw_connection``): read on every WebSocket subscribe (decision 0213).
    """
    role = await connection.fetchval(ROLE_OF_ACTIVE_MEMBER, user_id, organization_id)
    return Role(role) if role is not None else None


async def user_memberships(session: AsyncSession, *, user_id: int) -> list[tuple[Organization, Role]]:
    query = (
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    )
    return [(organization, Role(role)) for organization, role in (await session.execute(query)).tuples()]


def may_subscribe_to_organization(role: Role | None) -> bool:
    return role is not None and role_allows(role, Action.VIEW_SHIPMENTS)


def event_visible(role: Role, event: Event) -> bool:
    """Whether a member with ``role`` may receive ``event`` on their organization's channel."""
    if isinstance(event, InvitationCreated):
        return role_allows(role, Action.MANAGE_MEMBERS)
    return role_allows(role, Action.VIEW_SHIPMENTS)
