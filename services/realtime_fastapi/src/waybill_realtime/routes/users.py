"""``GET /users/me``."""

from fastapi import APIRouter
from pydantic import BaseModel

from waybill_contracts.channels import org_channel
from waybill_contracts.enums import Role
from waybill_realtime.authorization import user_memberships
from waybill_realtime.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/users", tags=["users"])


class MembershipRead(BaseModel):
    organization_id: int
    organization_name: str
    role: Role
    channel: str


class UserRead(BaseModel):
    id: int
    email: str
    full_name: str
    memberships: list[MembershipRead]


@router.get("/me")
async def read_me(user: CurrentUser, session: SessionDep) -> UserRead:
    """The signed-in user and the organizations (channels) they may subscribe to."""
    memberships = await user_memberships(session, user_id=user.id)
    return UserRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        memberships=[
            MembershipRead(
                organization_id=organization.id,
                organization_name=organization.name,
                role=role,
                channel=org_channel(organization.id),
            )
            for organization, role in memberships
        ],
    )
