"""The write path for organizations, memberships and invitations."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from waybill_contracts.access import AccessChangeReason
from waybill_contracts.enums import Role
from waybill_contracts.events import InvitationCreated
from waybill_django.accounts.models import User
from waybill_django.accounts.services import access_changed_record
from waybill_django.api.tokens import api_tokens_revoke_for_member
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.errors import Conflict
from waybill_django.core.transactions import unit_of_work
from waybill_django.organizations.models import Invitation, Membership, Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.organizations.selectors import open_invitations
from waybill_django.outbox.services import outbox_record

_INVITATION_SALT = "waybill.invitation"


class LastOwner(Conflict):
    def __init__(self) -> None:
        super().__init__("An organization needs an owner: make someone else owner first.")


class InvitationInvalid(Exception):
    """The link is forged, expired, already used, or meant for another email address."""


@unit_of_work()
def organization_create(*, name: str, actor: User) -> Organization:
    """Onboarding: create an organization with ``actor`` as its owner."""
    base = slugify(name)[:40] or "org"
    slug, suffix = base, 1
    while Organization.objects.filter(slug=slug).exists():
        suffix += 1
        slug = f"{base}-{suffix}"
    organization = Organization(name=name, slug=slug)
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
    audit_record(
        action=AuditAction.ORGANIZATION_CREATED, target=organization, actor=actor, organization=organization
    )
    return organization


@unit_of_work()
def organization_update(
    *, organization: Organization, actor: User, name: str, time_zone: str
) -> Organization:
    """Owners and admins rename the organization or change the time zone its pages and forms use."""
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_MEMBERS)
    changed = sorted(
        field
        for field, value in (("name", name), ("time_zone", time_zone))
        if getattr(organization, field) != value
    )
    organization.name, organization.time_zone = name, time_zone
    organization.full_clean()
    if changed:
        organization.save(update_fields=changed)
        audit_record(
            action=AuditAction.ORGANIZATION_UPDATED,
            target=organization,
            actor=actor,
            organization=organization,
            data={"changed": changed},
        )
    return organization


def _check_may_grant(*, actor: User, organization: Organization | int, role: Role) -> None:
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_MEMBERS)
    if role is Role.OWNER:
        check_permission(actor=actor, organization=organization, action=Action.MANAGE_OWNERS)


def _owners_locked(organization_id: int) -> list[Membership]:
    # Locking every owner row serialises concurrent demotions, so two owners cannot demote each other at once.
    return list(
        Membership.objects.in_organization(organization_id).select_for_update().filter(role=Role.OWNER)
    )


@unit_of_work()
def membership_change_role(*, membership: Membership, role: Role, actor: User) -> Membership:
    _check_may_grant(actor=actor, organization=membership.organization_id, role=role)
    if membership.role == Role.OWNER:
        check_permission(actor=actor, organization=membership.organization_id, action=Action.MANAGE_OWNERS)
        owners = _owners_locked(membership.organization_id)
        if role is not Role.OWNER and len(owners) == 1:
            raise LastOwner
    previous = membership.role
    membership.role = role.value
    membership.save(update_fields=["role"])
    audit_record(
        action=AuditAction.MEMBERSHIP_ROLE_CHANGED,
        target=membership,
        actor=actor,
        organization=membership.organization,
        data={"user": membership.user.email, "from": previous, "to": role.value},
    )
    if previous != role.value:
        access_changed_record(
            user_id=membership.user_id,
            reason=AccessChangeReason.ROLE_CHANGED,
            organization_id=membership.organization_id,
        )
    return membership


@unit_of_work()
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member; anyone may leave, removing others needs ``manage_members``."""
    if membership.user_id != actor.pk:
        check_permission(actor=actor, organization=membership.organization_id, action=Action.MANAGE_MEMBERS)
        if membership.role == Role.OWNER:
            check_permission(
                actor=actor, organization=membership.organization_id, action=Action.MANAGE_OWNERS
            )
    if membership.role == Role.OWNER and len(_owners_locked(membership.organization_id)) == 1:
        raise LastOwner
    audit_record(
        action=AuditAction.MEMBERSHIP_REMOVED,
        target=membership,
        actor=actor,
        organization=membership.organization,
        data={"user": membership.user.email, "role": membership.role},
    )
    # A token acts as its creator: without this, re-inviting the member would bring their tokens back.
    api_tokens_revoke_for_member(organization_id=membership.organization_id, user_id=membership.user_id)
    access_changed_record(
        user_id=membership.user_id,
        reason=AccessChangeReason.MEMBERSHIP_REMOVED,
        organization_id=membership.organization_id,
    )
    membership.delete()


@unit_of_work()
def invitation_create(*, organization: Organization, email: str, role: Role, actor: User) -> Invitation:
    """Invite ``email``; the worker emails the signed link once this commits."""
    _check_may_grant(actor=actor, organization=organization, role=role)
    email = email.strip().lower()
    if Membership.objects.in_organization(organization).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": ValidationError("This person is already a member.", code="unique")})
    # One open invitation per address: the organization's row lock orders concurrent invites.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    pending = open_invitations(organization=organization).filter(email=email).first()
    if pending is not None and pending.expires_at > timezone.now():
        already = f"{email} is already invited; send the invitation again or withdraw it below."
        raise ValidationError({"email": ValidationError(already, code="unique")})
    if pending is not None:  # expired: it gives way to the new one
        pending.revoked_at = timezone.now()
        pending.save(update_fields=["revoked_at"])
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role.value,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        action=AuditAction.INVITATION_CREATED,
        target=invitation,
        actor=actor,
        organization=organization,
        data={"email": email, "role": role.value},
    )
    _record_invitation_to_send(invitation)
    return invitation


def _record_invitation_to_send(invitation: Invitation) -> None:
    # The worker emails every invitation whose sent_at is empty when this event arrives.
    outbox_record(
        InvitationCreated(
            event_id=uuid.uuid4(),
            organization_id=invitation.organization_id,
            occurred_at=timezone.now(),
            invitation_id=invitation.pk,
            role=Role(invitation.role),
        )
    )


def _open_invitation_locked(*, invitation: Invitation) -> Invitation:
    locked = Invitation.unscoped.select_for_update().get(pk=invitation.pk)
    if not locked.is_open:
        raise Conflict("This invitation has already been accepted, declined or withdrawn.")
    return locked


@unit_of_work()
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    """Withdraw an open invitation: its link stops working at once."""
    check_permission(actor=actor, organization=invitation.organization_id, action=Action.MANAGE_MEMBERS)
    invitation = _open_invitation_locked(invitation=invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.INVITATION_REVOKED,
        target=invitation,
        actor=actor,
        organization=invitation.organization,
        data={"email": invitation.email},
    )
    return invitation


@unit_of_work()
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """Email the same invitation again, valid for a fresh period (the old link keeps working)."""
    _check_may_grant(actor=actor, organization=invitation.organization_id, role=Role(invitation.role))
    invitation = _open_invitation_locked(invitation=invitation)
    invitation.sent_at = None
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    invitation.save(update_fields=["sent_at", "expires_at"])
    audit_record(
        action=AuditAction.INVITATION_RESENT,
        target=invitation,
        actor=actor,
        organization=invitation.organization,
        data={"email": invitation.email},
    )
    _record_invitation_to_send(invitation)
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"id": invitation.pk, "email": invitation.email}, salt=_INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a link names; raises ``InvitationInvalid`` otherwise."""
    try:
        data = signing.loads(token, salt=_INVITATION_SALT)
    except signing.BadSignature as error:
        raise InvitationInvalid("This invitation link is not valid.") from error
    invitation = Invitation.unscoped.select_related("organization").filter(pk=data.get("id")).first()
    if invitation is None or invitation.email != data.get("email") or not invitation.is_open:
        raise InvitationInvalid("This invitation has already been used or withdrawn.")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid("This invitation has expired: ask for a new one.")
    return invitation


@unit_of_work()
def invitation_send_email(*, invitation_id: int) -> bool:
    """Email the invitation's link; the worker calls this, and a repeat sends nothing."""
    invitation = (
        Invitation.unscoped.select_for_update(of=("self",))
        .select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.sent_at is not None or not invitation.is_open:
        return False
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL + reverse("invitations:respond", args=[invitation_token(invitation)]),
    }
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    send_mail(
        subject=f"[Waybill] You are invited to join {invitation.organization.name}",
        message=render_to_string("organizations/invitation_email.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True


@unit_of_work()
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_from_token(token)
    if user.email.lower() != invitation.email:
        raise PermissionDenied(f"This invitation is for {invitation.email}: sign in with that address.")
    membership, _ = Membership.objects.in_organization(invitation.organization).get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED,
        target=invitation,
        actor=user,
        organization=invitation.organization,
    )
    return membership


@unit_of_work()
def invitation_decline(*, token: str) -> Invitation:
    """Decline from the link alone: the link is the proof of being the addressee."""
    invitation = invitation_from_token(token)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    audit_record(
        action=AuditAction.INVITATION_DECLINED,
        target=invitation,
        actor=None,
        organization=invitation.organization,
    )
    return invitation
