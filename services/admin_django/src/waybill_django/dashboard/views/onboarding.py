"""Onboarding: someone signed in without an organization creates their first one (or waits for an invitation)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waybill_django.accounts.models import User
from waybill_django.organizations.context import current_membership, switch_organization
from waybill_django.organizations.pending import pending_invitation_url
from waybill_django.organizations.selectors import invitations_for_email
from waybill_django.organizations.services import invitation_token, organization_create


class OrganizationForm(forms.Form):
    name = forms.CharField(
        label="Organization name",
        max_length=200,
        help_text="Your company or team; you can invite the others next.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    if request.method == "GET" and current_membership(request) is not None:
        return redirect("dashboard:overview")
    pending = pending_invitation_url(request)
    if request.method == "GET" and pending:
        return redirect(pending)
    form = OrganizationForm(request.POST) if request.method == "POST" else OrganizationForm()
    if request.method == "POST" and form.is_valid():
        organization = organization_create(name=form.cleaned_data["name"].strip(), actor=user)
        switch_organization(request, organization_id=organization.pk)
        messages.success(request, f"{organization.name} is ready, with you as its owner.")
        return redirect("dashboard:overview")
    context = {
        "form": form,
        "invitations": [
            (invitation, invitation_token(invitation))
            for invitation in invitations_for_email(email=user.email)
        ],
    }
    return render(request, "dashboard/welcome.html", context, status=400 if form.errors else 200)
