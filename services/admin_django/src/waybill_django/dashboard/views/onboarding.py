"""Onboarding: someone signed in without an organization creates their first one (or waits for an invitation)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waybill_django.accounts.models import User
from waybill_django.organizations.context import current_membership, switch_organization
from waybill_django.organizations.services import organization_create


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
    form = OrganizationForm(request.POST) if request.method == "POST" else OrganizationForm()
    if request.method == "POST" and form.is_valid():
        organization = organization_create(name=form.cleaned_data["name"].strip(), actor=user)
        switch_organization(request, organization_id=organization.pk)
        messages.success(request, f"{organization.name} is ready, with you as its owner.")
        return redirect("dashboard:overview")
    return render(request, "dashboard/welcome.html", {"form": form}, status=400 if form.errors else 200)
