"""The worker keeps working through Redis restarts, busy or idle."""

import time
from collections.abc import Callable
from typing import Any

import pytest

from waybill_devstack.polling import wait_until
from waybill_devstack.redis_server import RestartableRedis
from waybill_django.accounts.models import User
from waybill_django.webhooks.models import WebhookDelivery

from ..conftest import Receiver, StartWorker
from ..test_webhooks import create_shipments, owner, subscribe, wait_until_all_succeeded

__all__ = ["owner"]

pytestmark = pytest.mark.faults

DELIVERIES = 150
RESTARTS = 5


@pytest.fixture
def worker_overrides() -> dict[str, Any]:
    # A task lost with Redis (enqueued while it was down) is enqueued again after this lease.
    return {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True, "WEBHOOKS_TASK_LEASE_SECONDS": 5}


@pytest.mark.timeout(300)
def test_a_busy_worker_survives_redis_restarts_and_every_webhook_arrives(
    owner: User,
    receiver: Receiver,
    start_worker: StartWorker,
    own_redis: RestartableRedis,
    beat: Any,
    fault_figure: Callable[[str], None],
) -> None:
    receiver.delay = 0.1
    endpoint = subscribe(owner, receiver)
    worker = start_worker(
        concurrency=2, as_make_up=True, REDIS_URL=own_redis.url, BROKER_VISIBILITY_TIMEOUT_SECONDS="20"
    )
    beat(REDIS_URL=own_redis.url, WEBHOOK_DISPATCH_INTERVAL_SECONDS="1", OUTBOX_RELAY_INTERVAL_SECONDS="1")
    create_shipments(owner, DELIVERIES)

    recoveries = []
    for _ in range(RESTARTS):
        wait_until(lambda: receiver.requests, what="deliveries in flight")
        assert len(receiver.processed) < DELIVERIES, "the batch finished before the restart"
        back = own_redis.restart(down_for=1.0)
        seen = len(receiver.requests)
        wait_until(lambda: len(receiver.requests) > seen, what="a delivery after the restart", timeout=30)  # noqa: B023 - wait_until calls the lambda at once, inside this iteration
        recoveries.append(time.monotonic() - back)
        assert worker.poll() is None, "the worker exited on the broker restart"

    deliveries = WebhookDelivery.objects.in_organization(endpoint.organization_id)
    wait_until_all_succeeded(deliveries, DELIVERIES, timeout=120, broker_url=own_redis.url)
    assert worker.poll() is None
    assert receiver.processed == {delivery.message_id for delivery in deliveries}
    duplicates = sum(receiver.ids.values()) - DELIVERIES
    fault_figure(
        f"{DELIVERIES}/{DELIVERIES} delivered across {RESTARTS} Redis restarts, "
        f"{duplicates} re-sent, worker back {max(recoveries):.1f} s after Redis at worst"
    )
