"""A task that kills its worker process every time is given up after a few deliveries, and says why."""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from subprocess import Popen
from typing import Any

import psutil
import pytest

from waybill_devstack.polling import wait_until
from waybill_django.accounts.models import User
from waybill_django.webhooks.models import DeliveryState, WebhookAttemptLog, WebhookDelivery
from waybill_django.webhooks.services import webhook_endpoint_create

from ..conftest import Receiver, StartWorker
from ..test_webhooks import create_shipments, owner, subscribe

__all__ = ["owner"]

pytestmark = pytest.mark.faults

MAX_DELIVERIES = 3
SHIPMENTS = 20


class PoisonReceiver:
    """Answers 204, except that the first webhook it sees kills the worker process sending it, every time."""

    def __init__(self) -> None:
        self.worker: Popen[bytes] | None = None
        self.poison_id: str | None = None
        self.kills = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                with receiver.lock:
                    receiver.poison_id = receiver.poison_id or self.headers["webhook-id"]
                    poisoned = self.headers["webhook-id"] == receiver.poison_id
                if poisoned:
                    receiver.kill_the_sender()
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/poison"

    def kill_the_sender(self) -> None:
        # With concurrency 1 the worker has one pool process: the one sending this request.
        assert self.worker is not None
        for child in psutil.Process(self.worker.pid).children():
            os.kill(child.pid, signal.SIGKILL)
        self.kills += 1


@pytest.fixture
def poison_receiver() -> Iterator[PoisonReceiver]:
    receiver = PoisonReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def worker_overrides() -> dict[str, Any]:
    return {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True}


@pytest.mark.timeout(180)
def test_a_webhook_that_kills_its_worker_fails_after_a_bounded_number_of_deliveries(
    owner: User,
    receiver: Receiver,
    poison_receiver: PoisonReceiver,
    start_worker: StartWorker,
    fault_figure: Callable[[str], None],
) -> None:
    healthy = subscribe(owner, receiver)
    poisoned = webhook_endpoint_create(
        organization=owner.memberships.get().organization,
        actor=owner,
        url=poison_receiver.url,
        event_types=["shipment.created"],
    )
    started = time.monotonic()
    poison_receiver.worker = start_worker(concurrency=1, TASK_MAX_DELIVERIES=str(MAX_DELIVERIES))
    create_shipments(owner, SHIPMENTS)

    wait_until(
        lambda: (
            WebhookDelivery.unscoped.filter(endpoint=healthy, state=DeliveryState.SUCCEEDED).count()
            == SHIPMENTS
        ),
        what="every delivery to the healthy endpoint",
        timeout=90,
    )
    healthy_done = time.monotonic() - started
    failed = wait_until(
        lambda: WebhookDelivery.unscoped.filter(endpoint=poisoned, state=DeliveryState.FAILED).first(),
        what="the poisoned delivery to be given up",
        timeout=60,
    )
    assert failed is not None
    assert failed.message_id == poison_receiver.poison_id
    log = WebhookAttemptLog.objects.get(delivery=failed)
    assert log.error.startswith(f"given up: delivered {MAX_DELIVERIES + 1} times, the worker process died")
    assert poison_receiver.kills == MAX_DELIVERIES
    others = WebhookDelivery.unscoped.filter(endpoint=poisoned).exclude(pk=failed.pk)
    assert others.filter(state=DeliveryState.SUCCEEDED).count() == SHIPMENTS - 1
    assert poison_receiver.worker.poll() is None, "the worker itself lives on"
    time.sleep(2)
    assert poison_receiver.kills == MAX_DELIVERIES, "nothing runs the given-up task again"
    fault_figure(
        f"given up after {poison_receiver.kills} worker deaths; the other "
        f"{2 * SHIPMENTS - 1} deliveries done {healthy_done:.1f} s after the worker started"
    )
