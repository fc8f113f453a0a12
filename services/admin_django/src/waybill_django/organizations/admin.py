from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from waybill_contracts.enums import Role
from waybill_django.core.admin import DomainAdminForm, DomainModelAdmin, ReadOnlyInline, Write, admin_actor
from waybill_django.organizations.models import Invitation, Membership, Organization
from waybill_django.organizations.services import invitation_create, membership_change_role, membership_remove


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(DomainModelAdmin[Organization]):
    """Read-only: an organization is created by its first owner at onboarding, members join by invitation."""

    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    date_hierarchy = "created_at"
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(DomainModelAdmin[Membership]):
    """Staff change a role or remove a member with the dashboard's rules (an organization keeps an owner)."""

    domain_writes = {Write.CHANGE: membership_change_role, Write.DELETE: membership_remove}
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    list_select_related = ("user", "organization")
    date_hierarchy = "created_at"
    search_fields = ("user__email", "organization__name")
    fields = ("user", "organization", "role", "created_at")
    readonly_fields = ("user", "organization", "created_at")

    def domain_save(self, request: HttpRequest, form: DomainAdminForm[Membership]) -> Membership:
        stored = Membership.unscoped.select_related("user", "organization").get(pk=form.instance.pk)
        return membership_change_role(
            membership=stored, role=Role(form.cleaned_data["role"]), actor=admin_actor(request)
        )

    def domain_delete(self, request: HttpRequest, obj: Membership) -> None:
        membership_remove(membership=obj, actor=admin_actor(request))


@admin.register(Invitation)
class InvitationAdmin(DomainModelAdmin[Invitation]):
    """Staff invite as an owner would: the invitation is audited and its email sent after commit."""

    domain_writes = {Write.ADD: invitation_create}
    list_display = ("email", "organization", "role", "invited_by", "created_at", "expires_at", "accepted_at")
    list_filter = ("role", "organization", ("accepted_at", admin.EmptyFieldListFilter))
    list_select_related = ("organization", "invited_by")
    search_fields = ("email", "organization__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organization",)

    def get_fields(self, request: HttpRequest, obj: Invitation | None = None) -> Any:
        if obj is None:
            return ("organization", "email", "role")
        return super().get_fields(request, obj)

    def domain_save(self, request: HttpRequest, form: DomainAdminForm[Invitation]) -> Invitation:
        data = form.cleaned_data
        return invitation_create(
            organization=data["organization"],
            email=data["email"],
            role=Role(data["role"]),
            actor=admin_actor(request),
        )
