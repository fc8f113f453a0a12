"""Event delivery latency through the realtime service: one replica against two, as clients grow.

Events are appended to an organization's Redis Stream exactly as Django's
outbox relay does; every connected WebSocket client subscribes to that
organization. Latency is the time from XADD to the client reading the
event, measured on one clock (publisher and clients share this process).
"""

import asyncio
import os
import statistics
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib
import psycopg
from redis.asyncio import Redis
from report import REPORTS_DIR, Report

from waybill_contracts.channels import org_channel
from waybill_contracts.events import ShipmentCreated
from waybill_contracts.ws import EventMessage
from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import Connection, RealtimeClient
from waybill_realtime.testing import EventStreams, Personas

matplotlib.use("Agg")
from matplotlib import pyplot

REPLICAS = (1, 2)
CLIENTS = (10, 100, 300)
EVENTS = 200
EVENTS_PER_SECOND = 100


@dataclass(frozen=True)
class Measurement:
    replicas: int
    clients: int
    latencies_ms: list[float]
    missing: int

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


def start_replicas(
    group: ProcessGroup, count: int, database_url: str, redis_url: str
) -> list[RealtimeClient]:
    clients = []
    for index in range(count):
        port = stack.free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ENVIRONMENT": "test",
            "BIND_HOST": "127.0.0.1",
            "REALTIME_PORT": str(port),
        }
        group.start(f"realtime{index + 1}", stack.realtime_command(), env=env)
        client = RealtimeClient(f"http://127.0.0.1:{port}")
        wait_until(partial(stack.is_ready, client.http_url), what=f"replica {index + 1}", timeout=30)
        clients.append(client)
    return clients


async def measure(
    replicas: list[RealtimeClient], clients: int, personas: Personas, redis_url: str
) -> Measurement:
    token = await replicas[0].token(personas.acme_dispatcher, personas.password)
    channel = org_channel(personas.acme_id)
    published_at: dict[str, float] = {}  # by event reference, set before the XADD
    latencies: list[float] = []

    async def listen(connection: Connection) -> None:
        seen = 0
        while seen < EVENTS:
            message = await connection.receive(within=30)
            if isinstance(message, EventMessage) and isinstance(message.event, ShipmentCreated):
                latencies.append((time.perf_counter() - published_at[message.event.reference]) * 1000)
                seen += 1

    async with AsyncExitStack() as opened, Redis.from_url(redis_url, decode_responses=True) as redis:
        connections = []
        for index in range(clients):
            connection = await opened.enter_async_context(
                replicas[index % len(replicas)].connect(token=token)
            )
            await connection.receive(within=10)  # ready
            await connection.subscribe(channel)
            await connection.receive(within=10)  # subscribed
            connections.append(connection)
        listeners = asyncio.gather(
            *(listen(connection) for connection in connections), return_exceptions=True
        )

        streams = EventStreams(redis)
        for number in range(EVENTS):
            reference = f"B-{number}"
            published_at[reference] = started = time.perf_counter()
            await streams.publish(personas.acme_id, reference=reference)
            await asyncio.sleep(max(0.0, 1 / EVENTS_PER_SECOND - (time.perf_counter() - started)))
        await listeners  # a listener that waited 30 s in vain ends with TimeoutError, counted as missing
    return Measurement(len(replicas), clients, latencies, clients * EVENTS - len(latencies))


def run() -> Report:
    database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/waybill_bench"
    redis_url = os.environ["REDIS_URL"]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS waybill_bench WITH (FORCE)")
        connection.execute("CREATE DATABASE waybill_bench")
    print("fanout: migrating the benchmark database", flush=True)
    stack.manage("migrate", "--no-input", "--verbosity", "0", env={"DATABASE_URL": database_url})
    personas = asyncio.run(Personas.create(database_url))

    measurements: list[Measurement] = []
    for replica_count in REPLICAS:
        for client_count in CLIENTS:
            with Path(os.devnull).open("w") as quiet, ProcessGroup(output=quiet) as group:
                replicas = start_replicas(group, replica_count, database_url, redis_url)
                result = asyncio.run(measure(replicas, client_count, personas, redis_url))
            print(
                f"fanout: {replica_count} replica(s), {client_count:>3} clients:"
                f" p50 {result.percentile(50):6.1f} ms  p95 {result.percentile(95):6.1f} ms"
                f"  missing {result.missing}",
                flush=True,
            )
            measurements.append(result)

    plot = _plot(measurements, REPORTS_DIR / "fanout.png")
    by_key = {(m.replicas, m.clients): m for m in measurements}
    rows = []
    for m in measurements:
        single = by_key[(1, m.clients)]
        rows.append(
            [
                str(m.replicas),
                str(m.clients),
                f"{len(m.latencies_ms):,}",
                str(m.missing),
                f"{m.percentile(50):.1f}",
                f"{m.percentile(95):.1f}",
                f"{m.percentile(99):.1f}",
                f"{max(m.latencies_ms):.1f}",
                f"{m.percentile(95) / single.percentile(95):.2f}",
            ]
        )
    return Report(
        name="fanout",
        title="Realtime fan-out: XADD to WebSocket client",
        summary=(
            f"{EVENTS} events at {EVENTS_PER_SECOND}/s to every client of one organization; clients spread evenly"
            " over the replicas. Latencies in milliseconds; the last column is p95 relative to one replica with"
            " the same number of clients."
        ),
        table_header=[
            "replicas",
            "clients",
            "deliveries",
            "missing",
            "p50",
            "p95",
            "p99",
            "max",
            "p95 vs 1 replica",
        ],
        table_rows=rows,
        notes=[
            "Publisher, clients and replicas share one 2-core machine, so the clients' own JSON parsing is part"
            " of every number; compare rows of one run, not runs of different days.",
            "`missing` counts deliveries that did not arrive within 30 s after the last event (should be 0).",
        ],
        plot=plot,
    )


def _plot(measurements: list[Measurement], path: Path) -> Path:
    figure, axis = pyplot.subplots(figsize=(8, 4.5))
    width = 0.38
    for offset, replica_count in enumerate(REPLICAS):
        rows = [m for m in measurements if m.replicas == replica_count]
        positions = [index + (offset - 0.5) * width for index in range(len(rows))]
        axis.bar(positions, [m.percentile(95) for m in rows], width, label=f"{replica_count} replica(s), p95")
        axis.scatter(positions, [m.percentile(50) for m in rows], color="black", zorder=3, s=12)
    axis.set_xticks(range(len(CLIENTS)), [f"{clients} clients" for clients in CLIENTS])
    axis.set_ylabel("latency (ms); dots are p50")
    axis.set_title("XADD to WebSocket delivery")
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path
