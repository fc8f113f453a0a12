"""The back office writes only through the domain functions.

Generated from ``admin.site._registry``: every admin either refuses a write
or performs it through a named domain function, which the scenario below
proves by the audit row (and, where the change has an event, the outbox row)
it writes. A new admin, or a write switched on without a scenario here,
fails the first test.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.core.admin import DomainModelAdmin, Write
from waybill_django.fleet.models import Vehicle
from waybill_django.jobs.models import Job
from waybill_django.notifications.services import notification_settings_update
from waybill_django.organizations.models import Invitation, Membership, Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create

pytestmark = pytest.mark.django_db

# Sign-in data, owned by Django's auth and allauth: no organization, no business rule to bypass.
IDENTITY_MODELS = {
    "accounts.user",
    "auth.group",
    "account.emailaddress",
    "mfa.authenticator",
    "socialaccount.socialapp",
    "socialaccount.socialtoken",
    "socialaccount.socialaccount",
}


@dataclass(frozen=True)
class World:
    client: Client
    staff: User
    organization: Organization
    owner: Membership
    dispatcher: Membership
    driver: User
    viewer: User


@dataclass(frozen=True)
class Scenario:
    """A write through the admin and the rows its domain function leaves behind."""

    url: str
    data: dict[str, str]
    audit_action: str
    event_type: str | None = None
    arrange: Callable[[World], int] | None = None
    """Creates the object the write is about; its id fills ``{pk}`` in ``url``."""


SHIPMENT_FORM = {
    "reference": "S-1",
    "customer_name": "Jo",
    "customer_email": "jo@example.test",
    "origin_address": "1 Quay",
    "destination_address": "2 Street",
    "parcels": "1",
}


def _vehicle(world: World) -> int:
    return Vehicle.unscoped.create(organization=world.organization, plate="OLD-1", label="Van").pk


def _shipment(world: World) -> int:
    details = {**SHIPMENT_FORM, "parcels": 1}
    return shipment_create(organization=world.organization, actor=world.staff, **details).pk


def _notification_settings(world: World) -> int:
    return notification_settings_update(
        organization=world.organization, actor=world.staff, email_customers=False, member_statuses=[]
    ).pk


ORG = "{org}"

SCENARIOS: dict[tuple[str, Write], Scenario] = {
    ("organizations.membership", Write.CHANGE): Scenario(
        "/admin/organizations/membership/{pk}/change/",
        {"role": "viewer"},
        "membership.role_changed",
        "access.changed",
        arrange=lambda w: w.dispatcher.pk,
    ),
    ("organizations.membership", Write.DELETE): Scenario(
        "/admin/organizations/membership/{pk}/delete/",
        {"post": "yes"},
        "membership.removed",
        "access.changed",
        arrange=lambda w: w.dispatcher.pk,
    ),
    ("organizations.invitation", Write.ADD): Scenario(
        "/admin/organizations/invitation/add/",
        {"organization": ORG, "email": "new@acme.test", "role": "dispatcher"},
        "invitation.created",
        "invitation.created",
    ),
    ("fleet.vehicle", Write.ADD): Scenario(
        "/admin/fleet/vehicle/add/",
        {"organization": ORG, "plate": "NEW-1", "label": "Van", "active": "on", "driver": "{driver}"},
        "vehicle.created",
    ),
    ("fleet.vehicle", Write.CHANGE): Scenario(
        "/admin/fleet/vehicle/{pk}/change/",
        {"plate": "OLD-1", "label": "Big van", "active": "on"},
        "vehicle.updated",
        arrange=_vehicle,
    ),
    ("shipments.shipment", Write.ADD): Scenario(
        "/admin/shipments/shipment/add/",
        {"organization": ORG, **SHIPMENT_FORM},
        "shipment.created",
        "shipment.created",
    ),
    ("shipments.shipment", Write.CHANGE): Scenario(
        "/admin/shipments/shipment/{pk}/change/",
        {**SHIPMENT_FORM, "transition_to": "booked"},
        "shipment.booked",
        "shipment.status_changed",
        arrange=_shipment,
    ),
    ("notifications.organizationnotificationsettings", Write.ADD): Scenario(
        "/admin/notifications/organizationnotificationsettings/add/",
        {"organization": ORG, "member_statuses": "delivered"},
        "notifications.settings_changed",
    ),
    ("notifications.organizationnotificationsettings", Write.CHANGE): Scenario(
        "/admin/notifications/organizationnotificationsettings/{pk}/change/",
        {"organization": ORG, "email_customers": "on"},
        "notifications.settings_changed",
        arrange=_notification_settings,
    ),
    ("webhooks.webhookendpoint", Write.ADD): Scenario(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "organization": ORG,
            "url": "https://hooks.example.test/waybill",
            "event_types": "shipment.eta_updated",
        },
        "webhook_endpoint.created",
    ),
}


@pytest.fixture
def world(client: Client, staff: User, organization: Organization, make_member: Callable[..., User]) -> World:
    owner = make_member(Role.OWNER, "owner@acme.test")
    dispatcher = make_member(Role.DISPATCHER)
    client.force_login(staff)
    return World(
        client=client,
        staff=staff,
        organization=organization,
        owner=Membership.unscoped.get(user=owner),
        dispatcher=Membership.unscoped.get(user=dispatcher),
        driver=make_member(Role.DRIVER),
        viewer=make_member(Role.VIEWER),
    )


def _allowed_writes(model_admin: admin.ModelAdmin[models.Model], staff: User) -> set[Write]:
    request = RequestFactory().get("/admin/")
    request.user = staff
    allowed = {
        Write.ADD: model_admin.has_add_permission(request),
        Write.CHANGE: model_admin.has_change_permission(request),
        Write.DELETE: model_admin.has_delete_permission(request),
    }
    return {write for write, on in allowed.items() if on}


def test_every_admin_is_read_only_or_writes_through_a_named_domain_function(staff: User) -> None:
    offered: set[tuple[str, Write]] = set()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in IDENTITY_MODELS:
            continue
        assert isinstance(model_admin, DomainModelAdmin), f"{label}: derive its admin from DomainModelAdmin"
        for write in _allowed_writes(model_admin, staff):
            assert write in model_admin.domain_writes, f"{label} allows {write} without a domain function"
            offered.add((label, write))
    assert offered == set(SCENARIOS), "every write the admin offers has a scenario below, and no other"


@pytest.mark.parametrize("key", list(SCENARIOS), ids=[f"{label}-{write}" for label, write in SCENARIOS])
def test_each_admin_write_leaves_the_domain_functions_audit_row_and_event(
    world: World, key: tuple[str, Write], redis_url: str
) -> None:
    scenario = SCENARIOS[key]

    pk = scenario.arrange(world) if scenario.arrange else 0
    AuditLog.unscoped.all().delete()
    OutboxMessage.objects.all().delete()
    values = {"pk": pk, "org": world.organization.pk, "driver": world.driver.pk}
    data = {name: value.format(**values) for name, value in scenario.data.items()}

    response = world.client.post(scenario.url.format(**values), data)

    assert response.status_code == 302, response.content.decode()[:3000]

    audit = AuditLog.unscoped.get(action=scenario.audit_action, actor=world.staff)
    assert audit.organization_id == world.organization.pk
    events = list(OutboxMessage.objects.values_list("event_type", flat=True))
    assert events == ([scenario.event_type] if scenario.event_type else [])


def test_the_last_owner_cannot_be_demoted_in_the_admin(world: World) -> None:
    response = world.client.post(
        f"/admin/organizations/membership/{world.owner.pk}/change/", {"role": "viewer"}
    )

    assert response.status_code == 200
    assert "An organization needs an owner" in response.content.decode()
    world.owner.refresh_from_db()
    assert world.owner.role == Role.OWNER
    assert not AuditLog.unscoped.filter(action="membership.role_changed").exists()


def test_the_last_owner_cannot_be_removed_in_the_admin(world: World) -> None:
    response = world.client.post(
        f"/admin/organizations/membership/{world.owner.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert "An organization needs an owner" in response.content.decode()
    assert Membership.unscoped.filter(pk=world.owner.pk).exists()


def test_a_viewer_cannot_be_made_a_vehicles_driver_in_the_admin(world: World) -> None:
    response = world.client.post(
        "/admin/fleet/vehicle/add/",
        {
            "organization": str(world.organization.pk),
            "plate": "V-1",
            "label": "Van",
            "driver": str(world.viewer.pk),
        },
    )

    assert response.status_code == 200
    assert (
        "The driver must be a member of this organization with the driver role." in response.content.decode()
    )
    assert not Vehicle.unscoped.filter(plate="V-1").exists()


def test_an_invitation_for_a_member_is_refused_beside_the_email(world: World) -> None:
    response = world.client.post(
        "/admin/organizations/invitation/add/",
        {"organization": str(world.organization.pk), "email": "dispatcher@acme.test", "role": "viewer"},
    )

    assert response.status_code == 200
    assert "This person is already a member." in response.content.decode()
    assert not Invitation.unscoped.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/outbox/outboxmessage/{outbox}/delete/",
        "/admin/jobs/job/{job}/delete/",
        "/admin/shipments/shipment/{shipment}/delete/",
    ],
)
def test_rows_whose_loss_loses_work_cannot_be_deleted(world: World, url: str) -> None:
    shipment = Shipment.unscoped.get(pk=_shipment(world))
    event = OutboxMessage.objects.get()
    job = Job.unscoped.create(organization=world.organization, kind="import")

    response = world.client.post(
        url.format(outbox=event.pk, job=job.pk, shipment=shipment.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert OutboxMessage.objects.filter(pk=event.pk).exists()
    assert Job.unscoped.filter(pk=job.pk).exists()
    assert Shipment.unscoped.filter(pk=shipment.pk, status=ShipmentStatus.DRAFT).exists()
