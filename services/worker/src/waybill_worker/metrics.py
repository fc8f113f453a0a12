"""``waybill-worker-metrics``: the worker's numbers in Prometheus format, from Redis.

- ``waybill_worker_tasks_total{task, outcome}``: tasks finished, by outcome
  (succeeded, failed, retrying), counted by every worker process in one Redis
  hash, so one exporter serves the whole fleet whatever the number of replicas;
- ``waybill_worker_queue_length{queue}``: tasks waiting in each queue.

Run exactly one (next to beat): every instance reports the same global counts.
"""

import argparse
import time
from collections.abc import Iterator

import redis
from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from waybill_contracts.tasks import Queue

TASK_OUTCOMES_KEY = "waybill:worker:task_outcomes"
_SEPARATOR = "\t"


def outcome_field(task: str, outcome: str) -> str:
    return f"{task}{_SEPARATOR}{outcome}"


class WorkerCollector(Collector):
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        tasks = CounterMetricFamily(
            "waybill_worker_tasks", "Tasks finished, by outcome.", labels=["task", "outcome"]
        )
        counts: dict[bytes, bytes] = self.client.hgetall(TASK_OUTCOMES_KEY)  # type: ignore[assignment]
        for field, count in sorted(counts.items()):
            task, _, outcome = field.decode().partition(_SEPARATOR)
            tasks.add_metric([task, outcome], int(count))
        yield tasks
        queues = GaugeMetricFamily(
            "waybill_worker_queue_length", "Tasks waiting in the queue.", labels=["queue"]
        )
        for queue in Queue:
            queues.add_metric([queue], int(self.client.llen(queue)))
        yield queues


def main() -> None:
    from waybill_worker.config import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=9808)
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - scraped from outside the pod
    arguments = parser.parse_args()
    client = redis.Redis.from_url(get_settings().redis_url, socket_timeout=2, socket_connect_timeout=2)
    REGISTRY.register(WorkerCollector(client))
    start_http_server(arguments.port, addr=arguments.host)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
