"""Organization pages: the list with creating one, and the invitation link (switching: the dashboard's ``switch``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from waybill_django.accounts.models import User
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.views.common import render_page
from waybill_django.dashboard.views.onboarding import OrganizationForm
from waybill_django.organizations.context import switch_organization
from waybill_django.organizations.pending import forget_invitation, remember_invitation
from waybill_django.organizations.services import (
    InvitationInvalid,
    invitation_accept,
    invitation_decline,
    invitation_from_token,
    organization_create,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@workspace_view()
def organization_list(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Someone with no organization yet lands on onboarding instead (``workspace_view``)."""
    context = {"current": workspace.membership}
    return render_page(request, workspace, "organizations/list.html", context)


@login_required
@require_POST
def organization_new(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["name"]))
        return redirect("organizations:list")
    organization = organization_create(name=form.cleaned_data["name"].strip(), actor=_user(request))
    switch_organization(request, organization_id=organization.pk)
    messages.success(request, f"{organization.name} is created, with you as its owner.")
    return redirect("organizations:list")


@require_http_methods(["GET", "POST"])
def invitation_respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_from_token(token)
    except InvitationInvalid as error:
        forget_invitation(request)
        return render(request, "organizations/invitation.html", {"error": str(error)}, status=410)
    user = request.user if isinstance(request.user, User) else None
    context = {
        "invitation": invitation,
        "account_exists": User.objects.filter(email__iexact=invitation.email).exists(),
        "wrong_account": user is not None and user.email.lower() != invitation.email,
        "next": request.path,
    }
    if request.method == "GET":
        if user is None:
            remember_invitation(request, token)  # survives sign-up and email confirmation
        return render(request, "organizations/invitation.html", context)
    if request.POST.get("response") == "decline":
        invitation_decline(token=token)
        forget_invitation(request)
        return render(request, "organizations/invitation.html", {"error": "You declined the invitation."})
    if user is None:
        remember_invitation(request, token)
        return redirect_to_login(request.get_full_path())
    try:
        membership = invitation_accept(token=token, user=user)
    except PermissionDenied as error:
        return render(request, "organizations/invitation.html", {**context, "error": str(error)}, status=403)
    forget_invitation(request)
    switch_organization(request, organization_id=membership.organization_id)
    messages.success(request, f"Welcome to {membership.organization.name}.")
    return redirect("dashboard:overview")
