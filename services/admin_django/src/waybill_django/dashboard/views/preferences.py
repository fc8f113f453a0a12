"""Settings → General: the organization's name and time zone; each member's own name and time zone."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from waybill_django.accounts.services import user_update_profile
from waybill_django.core.time_zones import time_zone_choices
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.navigation import settings_tabs
from waybill_django.dashboard.views.common import render_page
from waybill_django.organizations.services import organization_update


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Every page shows times in this zone, and the dates typed into forms are read in it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()  # type: ignore[attr-defined]


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        required=False,
        help_text="Colleagues see it instead of your email.",
    )
    time_zone = forms.ChoiceField(label="Your time zone", required=False)

    def __init__(self, *args: Any, organization_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = ("", f"The organization's ({organization_zone.replace('_', ' ')})")
        self.fields["time_zone"].choices = [default, *time_zone_choices()]  # type: ignore[attr-defined]


def _page(
    request: HttpRequest,
    workspace: Workspace,
    organization_form: OrganizationForm,
    profile_form: ProfileForm,
    status: int = 200,
) -> HttpResponse:
    tabs = settings_tabs(workspace)
    if not tabs["may_members"]:
        for field in organization_form.fields.values():
            field.disabled = True
    context = {"organization_form": organization_form, "profile_form": profile_form, **tabs}
    return render_page(request, workspace, "dashboard/settings/general.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view()
def general(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization, user = workspace.organization, workspace.user
    organization_form = OrganizationForm(
        initial={"name": organization.name, "time_zone": organization.time_zone}, prefix="organization"
    )
    profile_form = ProfileForm(
        initial={"full_name": user.full_name, "time_zone": user.time_zone},
        organization_zone=organization.time_zone,
        prefix="profile",
    )
    if request.method == "GET":
        return _page(request, workspace, organization_form, profile_form)
    if request.POST.get("form") == "organization":
        organization_form = OrganizationForm(request.POST, prefix="organization")
        if not organization_form.is_valid():
            return _page(request, workspace, organization_form, profile_form, status=400)
        try:
            organization_update(
                organization=organization,
                actor=user,
                name=organization_form.cleaned_data["name"].strip(),
                time_zone=organization_form.cleaned_data["time_zone"],
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return _page(request, workspace, organization_form, profile_form, status=403)
        except ValidationError as error:
            organization_form.add_error(None, error)
            return _page(request, workspace, organization_form, profile_form, status=400)
        messages.success(request, f"{organization.name} is saved.")
        return redirect("dashboard:settings_general")
    profile_form = ProfileForm(request.POST, organization_zone=organization.time_zone, prefix="profile")
    if not profile_form.is_valid():
        return _page(request, workspace, organization_form, profile_form, status=400)
    user_update_profile(
        user=user,
        full_name=profile_form.cleaned_data["full_name"],
        time_zone=profile_form.cleaned_data["time_zone"],
    )
    messages.success(request, "Your profile is saved.")
    return redirect("dashboard:settings_general")
