"""Who may open which dashboard page: generated from the URL configuration, for every role."""

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse

from waybill_contracts.enums import Role
from waybill_contracts.jobs import JobKind
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.dashboard.urls import urlpatterns
from waybill_django.fleet.models import Vehicle
from waybill_django.imports.models import ShipmentImport
from waybill_django.jobs.services import job_create
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.services import invitation_create
from waybill_django.planning.models import RoutePlan
from waybill_django.shipments.models import ProofOfDelivery, Shipment
from waybill_django.webhooks.models import WebhookDelivery, WebhookEndpoint

PUBLIC = {"tracking", "tracking_json", "tracking_json_async"}
# Works for anyone signed in, member or not (tested in test_onboarding).
NO_ORGANIZATION_NEEDED = {"welcome"}
POST_ONLY = {
    "live_ticket",
    "switch_organization",
    "shipment_move",
    "shipment_delivery_failed",
    "dispatch_assign",
    "dispatch_unassign",
    "settings_member",
    "settings_subscription",
    "settings_token_revoke",
    "settings_webhook_enable",
    "settings_delivery_resend",
    "vehicle_retire",
    "vehicle_restore",
    "settings_invitation",
    "shipments_bulk",
    "shipment_copy",
    "planning_depot",
    "route_plan_accept",
}
_SETTINGS_ROLES = {Role.DISPATCHER, Role.DRIVER, Role.VIEWER}
# Pages a role may not open; every other page answers 200 to every member.
FORBIDDEN = {
    "shipment_new": {Role.DRIVER, Role.VIEWER},
    "shipment_edit": {Role.DRIVER, Role.VIEWER},
    "shipment_copy": {Role.DRIVER, Role.VIEWER},
    "shipments_bulk": {Role.DRIVER, Role.VIEWER},
    "dispatch": {Role.DRIVER, Role.VIEWER},
    "settings_invitation": _SETTINGS_ROLES,
    "vehicle_new": _SETTINGS_ROLES,
    "vehicle_edit": _SETTINGS_ROLES,
    "vehicle_retire": _SETTINGS_ROLES,
    "vehicle_restore": _SETTINGS_ROLES,
    "settings_members": _SETTINGS_ROLES,
    "settings_tokens": _SETTINGS_ROLES,
    "settings_webhooks": _SETTINGS_ROLES,
    "settings_delivery": _SETTINGS_ROLES,
    "imports": {Role.DRIVER, Role.VIEWER},
    "import": {Role.DRIVER, Role.VIEWER},
    "import_errors": {Role.DRIVER, Role.VIEWER},
    "import_warnings": {Role.DRIVER, Role.VIEWER},
    "import_sample": {Role.DRIVER, Role.VIEWER},
    "audit_log": _SETTINGS_ROLES,
    "planning": {Role.DRIVER, Role.VIEWER},
    "planning_depot": {Role.DRIVER, Role.VIEWER},
    "route_plan": {Role.DRIVER, Role.VIEWER},
    "route_plan_data": {Role.DRIVER, Role.VIEWER},
    "route_plan_accept": {Role.DRIVER, Role.VIEWER},
}
PAGES = [
    pattern
    for pattern in urlpatterns
    if isinstance(pattern, URLPattern) and pattern.name not in PUBLIC | NO_ORGANIZATION_NEEDED
]


def _url(name: str, ids: dict[str, object]) -> str:
    pattern = next(p for p in urlpatterns if isinstance(p, URLPattern) and p.name == name)
    return reverse(f"dashboard:{name}", kwargs={k: ids[k] for k in pattern.pattern.converters})


def _objects(
    organization: Organization, actor: User, shipment: Shipment, vehicle: Vehicle
) -> dict[str, object]:
    """One object of each kind a dashboard URL names, in ``organization``."""
    endpoint = WebhookEndpoint.unscoped.create(organization=organization, url="https://hooks.example/in")
    delivery = WebhookDelivery.unscoped.create(
        endpoint=endpoint,
        organization=organization,
        event_id=uuid.uuid4(),
        event_type="shipment.created",
        body="{}",
        state="failed",
    )
    token, _ = api_token_create(organization=organization, actor=actor, name="sync")
    job = job_create(organization=organization, kind=JobKind.SHIPMENT_IMPORT, actor=actor)
    shipment_import = ShipmentImport(job=job, organization=organization, original_name="s.csv")
    shipment_import.source.save("s.csv", ContentFile(b"reference\n"), save=False)
    shipment_import.error_report.save("e.csv", ContentFile(b"line,reference,errors\n"), save=False)
    shipment_import.warning_report.save("w.csv", ContentFile(b"line,reference,warning\n"), save=False)
    shipment_import.save()
    proof = ProofOfDelivery(shipment=shipment, recipient_name="R")
    proof.photo.save("p.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\0" * 16), save=False)
    proof.save()
    someone = User.objects.create_user(f"member@{organization.slug}.test", "correct horse battery")
    membership = Membership.objects.create(user=someone, organization=organization, role=Role.VIEWER)
    invitation = invitation_create(
        organization=organization, email=f"invited@{organization.slug}.test", role=Role.VIEWER, actor=actor
    )
    plan = RoutePlan.unscoped.create(
        organization=organization,
        job=job_create(organization=organization, kind=JobKind.ROUTE_PLAN, actor=actor),
        day=date(2026, 12, 1),
    )
    return {
        "plan_id": plan.pk,
        "shipment_id": shipment.pk,
        "vehicle_id": vehicle.pk,
        "code": shipment.tracking_code,
        "membership_id": membership.pk,
        "token_id": token.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "job_id": job.pk,
        "kind": "photo",
        "invitation_id": invitation.pk,
    }


@pytest.fixture
def ids(
    organization: Organization,
    members: dict[Role, User],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> dict[str, object]:
    return _objects(organization, members[Role.OWNER], make_shipment("A-1"), truck)


@pytest.fixture
def foreign_ids(
    other_organization: Organization, elsewhere: tuple[User, Shipment, Vehicle]
) -> dict[str, object]:
    _, shipment, vehicle = elsewhere
    owner = User.objects.create_user("owner@other.test", "correct horse battery")
    Membership.objects.create(user=owner, organization=other_organization, role=Role.OWNER)
    return _objects(other_organization, owner, shipment, vehicle)


def test_every_page_is_listed_in_this_test() -> None:
    names = {pattern.name for pattern in urlpatterns if isinstance(pattern, URLPattern)}
    assert names >= PUBLIC | POST_ONLY | set(FORBIDDEN)


@pytest.mark.parametrize("pattern", PAGES, ids=lambda p: p.name)
def test_anonymous_visitors_are_sent_to_sign_in(
    pattern: URLPattern, client: Client, ids: dict[str, object]
) -> None:
    url = _url(str(pattern.name), ids)
    response = client.post(url) if pattern.name in POST_ONLY else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_someone_without_an_organization_is_sent_to_onboarding(client: Client, db: None) -> None:
    client.force_login(User.objects.create_user("new@person.test", "correct horse battery"))
    response = client.get(reverse("dashboard:shipments"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:welcome")


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("pattern", [p for p in PAGES if p.name not in POST_ONLY], ids=lambda p: p.name)
def test_each_role_opens_the_pages_it_may(
    pattern: URLPattern,
    role: Role,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    ids: dict[str, object],
) -> None:
    url = _url(str(pattern.name), ids)
    response = signed_in(members[role]).get(url)
    response.close()  # as a server does once sent: a file download holds its file open until then
    if pattern.name == "overview" and role is Role.DRIVER:
        assert response.status_code == 302  # drivers start on their own day
        assert response["Location"] == reverse("dashboard:driver")
        return
    expected = 403 if role in FORBIDDEN.get(str(pattern.name), set()) else 200
    assert response.status_code == expected


@pytest.mark.parametrize(
    "pattern",
    [p for p in PAGES if p.pattern.converters],
    ids=lambda p: p.name,
)
def test_another_organizations_objects_are_not_found(
    pattern: URLPattern,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    foreign_ids: dict[str, object],
) -> None:
    url = _url(str(pattern.name), foreign_ids)
    client = signed_in(members[Role.OWNER])
    response = (
        client.post(url, {"to_status": "booked", "role": "viewer"})
        if pattern.name in POST_ONLY
        else client.get(url)
    )
    assert response.status_code == 404
