"""Task counts and queue lengths in Prometheus format."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from waybill_contracts.tasks import PRUNE_POSITIONS, ScheduledRun
from waybill_devstack.polling import wait_until
from waybill_devstack.stack import BIN
from waybill_devstack.supervisor import ProcessGroup
from waybill_django.core.task_queue import task_enqueue


@pytest.mark.usefixtures("worker")
def test_the_exporter_counts_finished_tasks(
    worker_env: dict[str, Any], processes: ProcessGroup, free_port: Callable[[], int]
) -> None:
    port = free_port()
    processes.start(
        "metrics",
        [str(BIN / "waybill-worker-metrics"), "--host", "127.0.0.1", "--port", str(port)],
        env=worker_env,
    )
    for _ in range(2):
        task_enqueue(PRUNE_POSITIONS, ScheduledRun())

    def scrape() -> str:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            return ""

    line = 'waybill_worker_tasks_total{outcome="succeeded",task="waybill.fleet.prune_positions"} 2.0'
    text = wait_until(
        lambda: next((text for text in [scrape()] if line in text), ""), what="two counted tasks"
    )
    assert 'waybill_worker_queue_length{queue="imports"} 0.0' in text
