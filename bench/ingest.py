"""``ingest``: telemetry through ``POST /v1/telemetry`` against raw asyncpg ``COPY`` of the same rows.

Batches of 1,000 positions (validation, storage, publish) from sender
processes, closed loop; the ceiling copies the same number of rows per batch
into a copy of ``fleet_position`` from as many concurrent connections.
"""

import asyncio
import json
import multiprocessing
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import httpload
from environment import bench_database, bench_personas
from fanout import start_realtime
from histogram import Histogram
from report import Section, number

from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient

BATCH = 1000


def _batches(vehicles: list[int], sender: int, count: int) -> list[httpload.Request]:
    """Distinct (vehicle, time) pairs across senders and batches, so every position is new."""
    base = datetime.now(UTC) - timedelta(hours=1)
    requests = []
    for number_ in range(count):
        positions = []
        for index in range(BATCH):
            step = (sender * count + number_) * BATCH + index
            positions.append(
                {
                    "vehicle_id": vehicles[step % len(vehicles)],
                    "recorded_at": (base + timedelta(microseconds=step)).isoformat(),
                    "latitude": 51.5 + (step % 1000) / 10_000,
                    "longitude": -0.12,
                    "speed_kmh": 40.0,
                    "heading": 90.0,
                }
            )
        requests.append(
            httpload.Request("POST", "/v1/telemetry", json.dumps({"positions": positions}).encode())
        )
    return requests


def _post_batches(
    url: str, token: str, vehicles: list[int], senders: int, seconds: float
) -> tuple[float, Histogram, int]:
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for sender in range(senders):
        parent, child = context.Pipe()
        requests = _batches(vehicles, sender, count=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        process = context.Process(
            target=httpload.serve, args=(child, url, requests, headers, 1, seconds), daemon=True
        )
        process.start()
        pipes.append(parent)
        processes.append(process)
    histogram, ok, failed, elapsed = Histogram(), 0, 0, 0.0
    for pipe, process in zip(pipes, processes, strict=True):
        result = pipe.recv()
        process.join(10)
        histogram.merge(result["histogram"])
        ok += result["statuses"].get(200, 0)
        failed += result["errors"] + sum(n for status, n in result["statuses"].items() if status != 200)
        elapsed = max(elapsed, result["seconds"])
    return ok * BATCH / elapsed, histogram, failed


async def _copy(
    database_url: str, vehicles: list[int], organization_id: int, senders: int, seconds: float
) -> float:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    setup = await asyncpg.connect(dsn)
    await setup.execute("DROP TABLE IF EXISTS bench_position")
    await setup.execute("CREATE TABLE bench_position (LIKE fleet_position INCLUDING ALL)")
    await setup.close()
    base = datetime.now(UTC) - timedelta(hours=1)
    columns = [
        "vehicle_id",
        "organization_id",
        "recorded_at",
        "latitude",
        "longitude",
        "speed_kmh",
        "heading",
    ]

    async def sender(offset: int) -> int:
        connection = await asyncpg.connect(dsn)
        copied = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = [
                (
                    vehicles[(offset + copied + i) % len(vehicles)],
                    organization_id,
                    base + timedelta(microseconds=offset * 10**8 + copied + i),
                    51.5,
                    -0.12,
                    40.0,
                    90.0,
                )
                for i in range(BATCH)
            ]
            await connection.copy_records_to_table("bench_position", records=rows, columns=columns)
            copied += BATCH
        await connection.close()
        return copied

    started = time.monotonic()
    copied = await asyncio.gather(*(sender(index) for index in range(senders)))
    return sum(copied) / (time.monotonic() - started)


def run(out: Path, *, smoke: bool) -> Section:
    seconds, senders = (1.0, 2) if smoke else (8.0, 4)
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    personas = bench_personas()
    vehicles = [personas.acme_van, personas.acme_truck]
    with Path(os.devnull).open("w") as quiet, ProcessGroup(output=quiet) as group:
        url, _ = start_realtime(group, database_url, redis_url, TELEMETRY_RATE_LIMIT_PER_MINUTE="10000000")
        token = asyncio.run(RealtimeClient(url).token(personas.acme_dispatcher, personas.password))
        _post_batches(url, token, vehicles, senders, min(seconds, 1.0))  # warm-up
        ours, histogram, failed = _post_batches(url, token, vehicles, senders, seconds)
    ceiling = asyncio.run(_copy(database_url, vehicles, personas.acme_id, senders, seconds))
    ratio = ours / ceiling if ceiling else float("nan")
    print(
        f"ingest: {ours:,.0f} positions/s through the API, {ceiling:,.0f}/s by COPY ({ratio:.2f}x)",
        flush=True,
    )
    return Section(
        name="ingest",
        title="Telemetry ingest: POST /v1/telemetry against raw COPY",
        summary=(
            f"{senders} sender processes, closed loop, batches of {BATCH:,} positions for {seconds:g} s after a"
            f" warm-up; the ceiling is asyncpg `COPY` of the same rows from {senders} connections into a copy of"
            " `fleet_position` (same indexes), in the same run."
        ),
        table_header=["path", "positions/s", "vs COPY", "batch p50 ms", "batch p99 ms", "errors"],
        table_rows=[
            [
                "POST /v1/telemetry",
                number(ours, 0),
                number(ratio, 2),
                number(histogram.percentile(50)),
                number(histogram.percentile(99)),
                str(failed),
            ],
            ["asyncpg COPY", number(ceiling, 0), "1.00", "-", "-", "0"],
        ],
        targets=[
            ["telemetry ingest ≥ 50,000 positions/s", f"{ours:,.0f}/s", "yes" if ours >= 50_000 else "no"],
            ["telemetry ingest ≥ 0.5x raw COPY", f"{ratio:.2f}x", "yes" if ratio >= 0.5 else "no"],
        ],
    )
