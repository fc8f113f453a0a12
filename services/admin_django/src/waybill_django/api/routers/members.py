from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from waybill_django.api.auth import OrganizationSessionAuth, principal_of, require
from waybill_django.api.schemas import Error, InvitationCreate, InvitationOut, MemberOut, MemberPatch
from waybill_django.organizations.models import Invitation, Membership
from waybill_django.organizations.permissions import Action
from waybill_django.organizations.selectors import invitation_list, member_get, member_list
from waybill_django.organizations.services import invitation_create, membership_change_role, membership_remove

# People management from a signed-in session only, like API tokens.
router = Router(tags=["members"], auth=[OrganizationSessionAuth()])
ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: Error, 422: Error}


def _membership(request: HttpRequest, member_id: int) -> Membership:
    return member_get(organization=principal_of(request).organization, membership_id=member_id)


@router.get("/members", response={200: list[MemberOut], **ERRORS})
def list_members(request: HttpRequest) -> Any:
    principal = principal_of(request)
    require(principal, Action.VIEW_SHIPMENTS)
    return member_list(organization=principal.organization)


@router.patch("/members/{member_id}", response={200: MemberOut, **ERRORS})
def change_member_role(request: HttpRequest, member_id: int, payload: MemberPatch) -> Membership:
    """Change a member's role; 409 when it would leave the organization without an owner."""
    membership = _membership(request, member_id)
    return membership_change_role(membership=membership, role=payload.role, actor=principal_of(request).user)


@router.delete("/members/{member_id}", response={204: None, **ERRORS})
def remove_member(request: HttpRequest, member_id: int) -> Status[None]:
    """Remove a member, or leave (your own membership); the last owner cannot."""
    membership_remove(membership=_membership(request, member_id), actor=principal_of(request).user)
    return Status(204, None)


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS})
def list_invitations(request: HttpRequest) -> Any:
    principal = principal_of(request)
    require(principal, Action.MANAGE_MEMBERS)
    return invitation_list(organization=principal.organization)


@router.post("/invitations", response={201: InvitationOut, **ERRORS})
def invite(request: HttpRequest, payload: InvitationCreate) -> Status[Invitation]:
    """Invite someone by email; the email with the signed link is sent in the background."""
    principal = principal_of(request)
    invitation = invitation_create(
        organization=principal.organization, email=payload.email, role=payload.role, actor=principal.user
    )
    return Status(201, invitation)
