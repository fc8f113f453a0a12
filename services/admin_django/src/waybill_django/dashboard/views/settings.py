"""Settings: members, invitations and roles; notification emails; API tokens; webhooks and their deliveries.

Every change goes through the owning app's service function, which checks the permission
again; the pages only decide what to offer.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.api.selectors import api_token_get, api_token_list
from waybill_django.api.tokens import api_token_create, api_token_revoke
from waybill_django.core.errors import DOMAIN_ERRORS, attach_errors, refusal
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.navigation import settings_tabs
from waybill_django.dashboard.selectors import organization_members
from waybill_django.dashboard.views.common import render_page
from waybill_django.notifications.models import CUSTOMER_STATUS_LABELS
from waybill_django.notifications.selectors import membership_is_subscribed, notification_settings_for
from waybill_django.notifications.services import notification_settings_update, notification_subscription_set
from waybill_django.organizations.models import ROLE_CHOICES
from waybill_django.organizations.permissions import Action
from waybill_django.organizations.selectors import member_get, open_invitations
from waybill_django.organizations.services import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)
from waybill_django.shipments.models import STATUS_CHOICES
from waybill_django.webhooks.models import WEBHOOK_EVENT_CHOICES, WebhookDelivery
from waybill_django.webhooks.selectors import (
    webhook_attempts_of,
    webhook_delivery_list,
    webhook_endpoint_list,
)
from waybill_django.webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_enable,
)

DELIVERIES_SHOWN = 50


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=Role.VIEWER.value)


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="What the token is for, e.g. “ERP sync”.")


class EndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    description = forms.CharField(label="Description", max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=WEBHOOK_EVENT_CHOICES,
        help_text="None ticked: every event.",
    )


class NotificationSettingsForm(forms.Form):
    email_customers = forms.BooleanField(
        label="Email the shipment's customer contact (with a link to the tracking page)",
        required=False,
    )
    customer_statuses = forms.MultipleChoiceField(
        label="Statuses that email the customer",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(status.value, label) for status, label in CUSTOMER_STATUS_LABELS.items()],
        help_text="Drafts never do.",
    )
    member_statuses = forms.MultipleChoiceField(
        label="Statuses that email subscribed members",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=STATUS_CHOICES,
    )


def _attempt(request: HttpRequest, change: Callable[[], object], done: str) -> int:
    """Run a service call; report success or the domain's refusal. Returns the HTTP status to use."""
    try:
        change()
    except DOMAIN_ERRORS as error:
        answer = refusal(error)
        messages.error(request, answer.text)
        return answer.status
    messages.success(request, done)
    return 200


def _members_page(
    request: HttpRequest, workspace: Workspace, form: InviteForm, *, status: int = 200
) -> HttpResponse:
    organization = workspace.organization
    context = {
        **settings_tabs(workspace),
        "members": organization_members(organization=organization),
        "invitations": open_invitations(organization=organization).select_related("invited_by"),
        "now": timezone.now(),
        "form": form,
        "roles": ROLE_CHOICES,
    }
    return render_page(request, workspace, "dashboard/settings/members.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_MEMBERS)
def members(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = InviteForm(request.POST) if request.method == "POST" else InviteForm()
    if request.method == "GET":
        return _members_page(request, workspace, form)
    status = 400
    if form.is_valid():
        email, role = form.cleaned_data["email"], Role(form.cleaned_data["role"])
        try:
            invitation_create(
                organization=workspace.organization, email=email, role=role, actor=workspace.user
            )
        except PermissionDenied as error:
            form.add_error("role", str(error))
            status = 403
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{email} is invited as {role.value}; the email is on its way.")
            return redirect("dashboard:settings_members")
    return _members_page(request, workspace, form, status=status)


@require_POST
@workspace_view(Action.MANAGE_MEMBERS)
def invitation_change(request: HttpRequest, workspace: Workspace, invitation_id: int) -> HttpResponse:
    """Withdraw a pending invitation, or email it again (``action`` = ``revoke`` or ``resend``)."""
    invitation = get_object_or_404(open_invitations(organization=workspace.organization), pk=invitation_id)
    if request.POST.get("action") == "revoke":
        status = _attempt(
            request,
            lambda: invitation_revoke(invitation=invitation, actor=workspace.user),
            f"The invitation of {invitation.email} is withdrawn; its link no longer works.",
        )
    elif request.POST.get("action") == "resend":
        status = _attempt(
            request,
            lambda: invitation_resend(invitation=invitation, actor=workspace.user),
            f"The invitation is sent to {invitation.email} again.",
        )
    else:
        messages.error(request, "Choose to withdraw or resend the invitation.")
        status = 400
    if status == 200:
        return redirect("dashboard:settings_members")
    return _members_page(request, workspace, InviteForm(), status=status)


@require_POST
@workspace_view(Action.MANAGE_MEMBERS)
def member_change(request: HttpRequest, workspace: Workspace, membership_id: int) -> HttpResponse:
    membership = member_get(organization=workspace.organization, membership_id=membership_id)
    wanted = request.POST.get("role", "")
    if request.POST.get("remove"):
        status = _attempt(
            request,
            lambda: membership_remove(membership=membership, actor=workspace.user),
            f"{membership.user.email} is no longer a member.",
        )
    elif wanted in {role.value for role in Role}:
        role = Role(wanted)
        status = _attempt(
            request,
            lambda: membership_change_role(membership=membership, role=role, actor=workspace.user),
            f"{membership.user.email} is now {role.value}.",
        )
    else:
        messages.error(request, "Choose a role.")
        status = 400
    if status == 200:
        return redirect("dashboard:settings_members")
    return _members_page(request, workspace, InviteForm(), status=status)


def _notifications_page(
    request: HttpRequest, workspace: Workspace, form: NotificationSettingsForm, *, status: int = 200
) -> HttpResponse:
    if not workspace.may(Action.MANAGE_MEMBERS):
        for field in form.fields.values():
            field.disabled = True
    context = {
        **settings_tabs(workspace),
        "form": form,
        "subscribed": membership_is_subscribed(membership=workspace.membership),
    }
    return render_page(request, workspace, "dashboard/settings/notifications.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view()
def notifications(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Every member sees the organization's choices and sets their own; owners and admins change the first."""
    chosen = notification_settings_for(organization=workspace.organization)
    initial = {
        "email_customers": chosen.email_customers,
        "customer_statuses": chosen.customer_statuses,
        "member_statuses": chosen.member_statuses,
    }
    if request.method == "GET":
        return _notifications_page(request, workspace, NotificationSettingsForm(initial=initial))
    form = NotificationSettingsForm(request.POST, initial=initial)
    if not form.is_valid():
        return _notifications_page(request, workspace, form, status=400)
    status = _attempt(
        request,
        lambda: notification_settings_update(
            organization=workspace.organization,
            actor=workspace.user,
            email_customers=form.cleaned_data["email_customers"],
            member_statuses=[ShipmentStatus(value) for value in form.cleaned_data["member_statuses"]],
            customer_statuses=[ShipmentStatus(value) for value in form.cleaned_data["customer_statuses"]],
        ),
        "The notification settings are saved.",
    )
    if status == 200:
        return redirect("dashboard:settings_notifications")
    return _notifications_page(request, workspace, NotificationSettingsForm(initial=initial), status=status)


@require_POST
@workspace_view()
def subscription(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    subscribed = request.POST.get("subscribed") == "1"
    notification_subscription_set(
        membership=workspace.membership, subscribed=subscribed, actor=workspace.user
    )
    if subscribed:
        messages.success(request, "You will receive shipment emails.")
    else:
        messages.success(request, "You will no longer receive shipment emails.")
    return redirect("dashboard:settings_notifications")


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_API_TOKENS)
def tokens(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    form = TokenForm(request.POST) if request.method == "POST" else TokenForm()
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = api_token_create(
            organization=organization, actor=workspace.user, name=form.cleaned_data["name"]
        )
        messages.success(request, f"Token “{token.name}” is created. Copy it now: it is not shown again.")
        form = TokenForm()
    context = {
        **settings_tabs(workspace),
        "tokens": api_token_list(organization=organization),
        "form": form,
        "secret": secret,
    }
    response = render_page(request, workspace, "dashboard/settings/tokens.html", context)
    if secret is not None:
        response["Cache-Control"] = "no-store"  # the page shows the secret: no copy in any cache
    return response


@require_POST
@workspace_view(Action.MANAGE_API_TOKENS)
def token_revoke(request: HttpRequest, workspace: Workspace, token_id: int) -> HttpResponse:
    token = api_token_get(organization=workspace.organization, token_id=token_id)
    _attempt(
        request,
        lambda: api_token_revoke(token=token, actor=workspace.user),
        f"Token “{token.name}” is revoked.",
    )
    return redirect("dashboard:settings_tokens")


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_API_TOKENS)
def webhooks(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    form = EndpointForm(request.POST) if request.method == "POST" else EndpointForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint = webhook_endpoint_create(
                    organization=organization,
                    actor=workspace.user,
                    url=form.cleaned_data["url"],
                    event_types=form.cleaned_data["event_types"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"Endpoint {endpoint.url} is added.")
                return redirect("dashboard:settings_webhooks")
        status = 400
    context = {
        **settings_tabs(workspace),
        "endpoints": webhook_endpoint_list(organization=organization),
        "deliveries": webhook_delivery_list(organization=organization)[:DELIVERIES_SHOWN],
        "form": form,
    }
    return render_page(request, workspace, "dashboard/settings/webhooks.html", context, status=status)


@require_POST
@workspace_view(Action.MANAGE_API_TOKENS)
def webhook_enable(request: HttpRequest, workspace: Workspace, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(webhook_endpoint_list(organization=workspace.organization), pk=endpoint_id)
    _attempt(
        request,
        lambda: webhook_endpoint_enable(endpoint=endpoint, actor=workspace.user),
        "The endpoint is on again.",
    )
    return redirect("dashboard:settings_webhooks")


@workspace_view(Action.MANAGE_API_TOKENS)
def delivery(request: HttpRequest, workspace: Workspace, delivery_id: int) -> HttpResponse:
    found: WebhookDelivery = get_object_or_404(
        webhook_delivery_list(organization=workspace.organization), pk=delivery_id
    )
    context = {
        **settings_tabs(workspace),
        "delivery": found,
        "attempts": webhook_attempts_of(delivery=found),
    }
    return render_page(request, workspace, "dashboard/settings/delivery.html", context)


@require_POST
@workspace_view(Action.MANAGE_API_TOKENS)
def delivery_resend(request: HttpRequest, workspace: Workspace, delivery_id: int) -> HttpResponse:
    found = get_object_or_404(webhook_delivery_list(organization=workspace.organization), pk=delivery_id)
    _attempt(
        request,
        lambda: webhook_delivery_resend(delivery=found, actor=workspace.user),
        "The delivery is sent again.",
    )
    return redirect("dashboard:settings_delivery", found.pk)
