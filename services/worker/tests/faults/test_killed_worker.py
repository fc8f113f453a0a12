"""Tasks held by a worker killed whole come back within the visibility timeout."""

import os
import signal
import time
from collections.abc import Callable

import pytest

from waybill_devstack.polling import wait_until
from waybill_django.accounts.models import User
from waybill_django.webhooks.models import DeliveryState, WebhookDelivery

from ..conftest import Receiver, StartWorker
from ..test_webhooks import create_shipments, owner, subscribe

__all__ = ["owner"]

pytestmark = pytest.mark.faults

DELIVERIES = 40
VISIBILITY_TIMEOUT = 15
RESTORE_INTERVAL = 5  # celery_app: unacked_restore_interval


@pytest.mark.timeout(180)
def test_every_webhook_of_a_killed_worker_arrives_within_the_visibility_timeout(
    owner: User, receiver: Receiver, start_worker: StartWorker, fault_figure: Callable[[str], None]
) -> None:
    receiver.delay = 0.2
    endpoint = subscribe(owner, receiver)
    timeout = {"BROKER_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT)}
    first = start_worker(concurrency=2, as_make_up=True, **timeout)
    create_shipments(owner, DELIVERIES)
    wait_until(lambda: len(receiver.processed) >= 5, what="the first deliveries")
    os.killpg(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait()
    before_kill = len(receiver.processed)
    assert before_kill < DELIVERIES, "the batch finished before the kill"
    start_worker(concurrency=2, as_make_up=True, **timeout)

    deliveries = WebhookDelivery.objects.in_organization(endpoint.organization_id)
    wait_until(
        lambda: deliveries.filter(state=DeliveryState.SUCCEEDED).count() == DELIVERIES,
        what=f"all {DELIVERIES} deliveries",
        timeout=VISIBILITY_TIMEOUT + RESTORE_INTERVAL + 60,
    )
    recovered_after = time.monotonic() - killed_at
    assert receiver.processed == {delivery.message_id for delivery in deliveries}
    assert recovered_after < VISIBILITY_TIMEOUT + RESTORE_INTERVAL + 30
    fault_figure(
        f"worker SIGKILLed after {before_kill}/{DELIVERIES} webhooks: all {DELIVERIES} arrived, "
        f"{sum(receiver.ids.values()) - DELIVERIES} re-sent, the last {recovered_after:.1f} s after the kill "
        f"(visibility timeout {VISIBILITY_TIMEOUT} s)"
    )
