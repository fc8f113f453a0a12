"""Every event class is handled on purpose by every consumer.

Adding a class to the ``Event`` union fails here until ``DECISIONS`` says what
each consumer does with it: the organization channel, the ``shipment:<id>``
and ``job:<id>`` channels, the public ``track:<code>`` view (realtime), the
tasks it triggers, whether webhooks carry it, and whether the customer is
emailed. Each decision is then checked against the consumer's real
behaviour with an example of the event, so a consumer that drops it
silently fails too (the idea of Zulip's ``test_events.py``).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.events import (
    EVENT_ADAPTER,
    EVENT_CLASSES,
    WEBHOOK_EVENT_TYPES,
    InvitationCreated,
    JobProgress,
    ShipmentCreated,
    ShipmentDeliveryFailed,
    ShipmentEtaUpdated,
    ShipmentStatusChanged,
    ShipmentUpdated,
    VehicleConnectivityChanged,
    VehiclePosition,
    VehiclePositionsUpdated,
    event_type,
)
from waybill_contracts.jobs import JobKind, JobState
from waybill_contracts.tasks import NOTIFY_SHIPMENT_EVENT, SEND_INVITATION
from waybill_contracts.tracking import PublicTracking
from waybill_django.accounts.models import User
from waybill_django.dashboard.views.settings import EndpointForm
from waybill_django.fleet.models import Vehicle
from waybill_django.notifications.services import (
    notification_send_for_shipment_event,
    notification_settings_update,
)
from waybill_django.organizations.models import Organization
from waybill_django.outbox.services import outbox_record
from waybill_django.outbox.triggers import tasks_triggered_by
from waybill_django.shipments.models import Shipment
from waybill_realtime.authorization import event_visible
from waybill_realtime.streaming.views import JobView, ShipmentView, TrackView

pytestmark = pytest.mark.django_db

JOB_ID = uuid.uuid4()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Decision:
    org_channel: bool
    """A dispatcher on ``org:<id>`` receives it."""
    shipment_channel: bool
    """A subscriber of ``shipment:<id>`` (of the event's shipment or vehicle) receives it."""
    job_channel: bool
    public_tracking: bool
    """The public ``track:<code>`` view of the shipment changes."""
    tasks: frozenset[str]
    webhook: bool
    """Webhook endpoints receive it (the relay writes its deliveries)."""
    customer_email: bool


DECISIONS: dict[type[Any], Decision] = {
    ShipmentCreated: Decision(True, True, False, False, frozenset({NOTIFY_SHIPMENT_EVENT}), True, True),
    ShipmentStatusChanged: Decision(True, True, False, True, frozenset({NOTIFY_SHIPMENT_EVENT}), True, True),
    ShipmentUpdated: Decision(True, True, False, False, frozenset(), True, False),
    ShipmentDeliveryFailed: Decision(
        True, True, False, False, frozenset({NOTIFY_SHIPMENT_EVENT}), True, True
    ),
    InvitationCreated: Decision(False, False, False, False, frozenset({SEND_INVITATION}), False, False),
    JobProgress: Decision(True, False, True, False, frozenset(), False, False),
    VehiclePositionsUpdated: Decision(True, True, False, True, frozenset(), False, False),
    ShipmentEtaUpdated: Decision(True, True, False, True, frozenset(), True, False),
    VehicleConnectivityChanged: Decision(True, False, False, False, frozenset(), True, False),
}


@dataclass(frozen=True)
class Scene:
    organization: Organization
    shipment: Shipment
    vehicle: Vehicle


@pytest.fixture
def scene(organization: Organization, truck: Vehicle, staff: User) -> Scene:
    shipment = Shipment.unscoped.create(
        organization=organization,
        reference="EV-1",
        customer_email="customer@example.test",
        origin_address="a",
        destination_address="b",
        status=ShipmentStatus.IN_TRANSIT,
        vehicle=truck,
    )
    notification_settings_update(
        organization=organization, actor=staff, email_customers=True, member_statuses=[]
    )
    return Scene(organization, shipment, truck)


def example(event_class: type[Any], scene: Scene) -> Any:
    """An instance of ``event_class`` about the scene's shipment, vehicle or job."""
    values: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "organization_id": scene.organization.pk,
        "occurred_at": NOW,
        "shipment_id": scene.shipment.pk,
        "reference": scene.shipment.reference,
        "status": ShipmentStatus.IN_TRANSIT,
        "previous_status": ShipmentStatus.PICKED_UP,
        "vehicle_id": scene.vehicle.pk,
        "reason": "Nobody answered the door",
        "changed_fields": ["customer_name"],
        "invitation_id": 1,
        "role": Role.VIEWER,
        "job_id": JOB_ID,
        "kind": JobKind.SHIPMENT_IMPORT,
        "state": JobState.RUNNING,
        "percent": 50,
        "error": "",
        "positions": [
            VehiclePosition(vehicle_id=scene.vehicle.pk, recorded_at=NOW, latitude=52.1, longitude=5.1)
        ],
        "eta": NOW,
        "at_risk": False,
        "plate": scene.vehicle.plate,
        "online": False,
        "last_position_at": NOW,
    }
    missing = set(event_class.model_fields) - {"type", *values}
    assert not missing, f"give an example value for {', '.join(sorted(missing))} above"
    return event_class(**{name: values[name] for name in event_class.model_fields if name != "type"})


def test_every_event_class_has_a_decision_for_every_consumer() -> None:
    undecided = [cls.__name__ for cls in EVENT_CLASSES if cls not in DECISIONS]
    assert not undecided, f"decide what each consumer does with {', '.join(undecided)} in DECISIONS"
    assert set(DECISIONS) == set(EVENT_CLASSES)


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=[cls.__name__ for cls in EVENT_CLASSES])
def test_each_consumer_does_what_was_decided(event_class: type[Any], scene: Scene, redis_url: str) -> None:
    decided = DECISIONS[event_class]
    event = example(event_class, scene)
    assert EVENT_ADAPTER.validate_python(event.model_dump(mode="json")) == event

    assert event_visible(Role.DISPATCHER, event) is decided.org_channel
    on_shipment = ShipmentView(scene.shipment.pk, scene.vehicle.pk, Role.DISPATCHER).frame("c", "1-0", event)
    assert (on_shipment is not None) is decided.shipment_channel
    on_job = JobView(JOB_ID, Role.DISPATCHER).frame("c", "1-0", event)
    assert (on_job is not None) is decided.job_channel
    public = PublicTracking(tracking_code="T", status=ShipmentStatus.PICKED_UP, timeline=[])
    tracked = TrackView(scene.shipment.pk, scene.vehicle.pk, public).frame("c", "1-0", event)
    assert (tracked is not None) is decided.public_tracking

    tasks = tasks_triggered_by(event)
    assert {name for name, _ in tasks} == decided.tasks
    offered = {value for value, _ in EndpointForm().fields["event_types"].choices}  # type: ignore[attr-defined]
    assert event_class.webhook is decided.webhook
    assert (event_type(event_class) in WEBHOOK_EVENT_TYPES) is decided.webhook
    assert (event_type(event_class) in offered) is decided.webhook, (
        "the webhook form offers what the relay sends"
    )

    outbox_record(event)
    if NOTIFY_SHIPMENT_EVENT in decided.tasks:
        notification_send_for_shipment_event(event_id=event.event_id, shipment_id=scene.shipment.pk)
    assert [message.to for message in mail.outbox] == (
        [["customer@example.test"]] if decided.customer_email else []
    )
