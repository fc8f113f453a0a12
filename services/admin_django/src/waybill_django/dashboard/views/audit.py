"""The organization's audit log, for owners and admins: who did what, filterable, in pages."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.selectors import audit_log_actions, audit_log_list
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.navigation import settings_tabs
from waybill_django.dashboard.selectors import organization_members
from waybill_django.dashboard.views.common import render_page
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action

PAGE_SIZE = 50


class MemberChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False)
    actor = MemberChoiceField(label="Who", required=False, queryset=User.objects.none(), empty_label="Anyone")
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        labels = dict(AuditAction.choices)
        action.choices = [
            ("", "Any action"),
            *((a, labels.get(a, a)) for a in audit_log_actions(organization=organization)),
        ]
        actor = self.fields["actor"]
        assert isinstance(actor, MemberChoiceField)
        actor.queryset = User.objects.filter(
            pk__in=organization_members(organization=organization).values("user_id")
        ).order_by("email")


def _day_start(day: date | None) -> datetime | None:
    """Midnight of ``day`` in the page's time zone (the zone of the person reading it)."""
    return None if day is None else timezone.make_aware(datetime.combine(day, time.min))


@require_GET
@workspace_view(Action.VIEW_AUDIT_LOG)
def audit_log(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    filters = AuditFilterForm(request.GET or None, organization=organization)
    action, actor_id, since, until = "", None, None, None
    if filters.is_valid():
        action = filters.cleaned_data["action"]
        actor = filters.cleaned_data["actor"]
        actor_id = actor.pk if actor else None
        since = _day_start(filters.cleaned_data["since"])
        last_day = _day_start(filters.cleaned_data["until"])
        until = last_day + timedelta(days=1) if last_day else None
    entries = audit_log_list(
        organization=organization, action=action, actor_id=actor_id, since=since, until=until
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**settings_tabs(workspace), "filters": filters, "page": page}
    return render_page(request, workspace, "dashboard/settings/audit.html", context)
