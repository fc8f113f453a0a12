from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Invitation, Membership, Organization


def membership_role(*, user: User, organization: Organization | int) -> Role | None:
    role = (
        Membership.objects.in_organization(organization)
        .filter(user=user)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """Every organization the user belongs to: deliberately across organizations (the switcher, sign-in)."""
    return Membership.unscoped.filter(user=user).select_related("organization").order_by("organization__name")


def membership_for(*, user: User, organization_id: int | None) -> Membership | None:
    """The user's membership in ``organization_id``, or their first one when it is not given or not theirs."""
    memberships = memberships_of(user=user)
    if organization_id is not None:
        chosen = memberships.filter(organization_id=organization_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def members_with_role(*, organization: Organization | int, role: Role) -> QuerySet[User]:
    """The organization's users who hold ``role``, by name then email."""
    return User.objects.filter(
        memberships__organization=organization, memberships__role=role.value, is_active=True
    ).order_by("full_name", "email")


def open_invitations(*, organization: Organization | int) -> QuerySet[Invitation]:
    return Invitation.objects.in_organization(organization).filter(
        accepted_at=None, declined_at=None, revoked_at=None
    )


def invitations_for_email(*, email: str) -> QuerySet[Invitation]:
    """Open, unexpired invitations addressed to ``email``, in any organization (for their welcome page)."""
    return (
        Invitation.unscoped.filter(
            email=email.strip().lower(),
            accepted_at=None,
            declined_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .select_related("organization", "invited_by")
        .order_by("-created_at")
    )


def member_list(*, organization: Organization | int) -> QuerySet[Membership]:
    """The organization's memberships with their users, by email."""
    return Membership.objects.in_organization(organization).select_related("user").order_by("user__email")


def member_get(*, organization: Organization | int, membership_id: int) -> Membership:
    """The organization's membership, or 404 (the same answer whether it is elsewhere or nowhere)."""
    return get_object_or_404(member_list(organization=organization), pk=membership_id)


def invitation_list(*, organization: Organization | int) -> QuerySet[Invitation]:
    """The organization's invitations, answered or not, newest first."""
    return Invitation.objects.in_organization(organization).order_by("-created_at")
