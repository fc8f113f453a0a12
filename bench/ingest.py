"""``ingest``: telemetry through ``POST /v1/telemetry`` and the WebSocket ``position`` message, against raw COPY.

Batches of 1,000 positions over HTTP (validation, storage, publish), and of
250 over each device's WebSocket (a frame must stay under the 64 KiB limit),
from sender processes, closed loop; the ceiling copies the same number of rows
per batch into ``fleet_position`` itself (its foreign keys and indexes: the
same table, as the target says) from as many concurrent connections. A second
row copies them into a copy of the table without its foreign keys, to show
what their checks cost. Every position sent is new (no batch is sent twice), so the
figures are those of new data; a resent batch is the slower path that skips
duplicates.
"""

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import ingestload
import stages
from environment import bench_database, bench_personas
from fanout import start_realtime
from report import Section, number

from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient

COPY_TABLE = "fleet_position"
UNCHECKED_TABLE = "bench_position"
"""``LIKE fleet_position INCLUDING ALL``: the same indexes, no foreign keys."""


async def _copy(
    database_url: str, table: str, vehicles: list[int], organization_id: int, senders: int, seconds: float
) -> float:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    if table == UNCHECKED_TABLE:
        setup = await asyncpg.connect(dsn)
        await setup.execute(f"DROP TABLE IF EXISTS {UNCHECKED_TABLE}")
        await setup.execute(f"CREATE TABLE {UNCHECKED_TABLE} (LIKE fleet_position INCLUDING ALL)")
        await setup.close()
    # Hours before the senders' positions (the hour before now): never one of theirs.
    base = datetime.now(UTC) - timedelta(hours=3 if table == COPY_TABLE else 1)
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
                for i in range(ingestload.HTTP_BATCH)
            ]
            await connection.copy_records_to_table(table, records=rows, columns=columns)
            copied += ingestload.HTTP_BATCH
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
        stages.lap(stages.START, "waybill-realtime")

        def senders_of(websocket: bool, seconds: float, first: int) -> list[ingestload.Sender]:
            return [
                ingestload.Sender(url, token, vehicles, first + n, seconds, websocket) for n in range(senders)
            ]

        ingestload.run_senders(senders_of(False, min(seconds, 1.0), first=0))  # warm-up
        stages.lap(stages.WARM_UP)
        http, http_histogram, http_failed = ingestload.run_senders(senders_of(False, seconds, first=senders))
        stages.lap(stages.MEASURE, "POST /v1/telemetry")
        ws, ws_histogram, ws_failed = ingestload.run_senders(senders_of(True, seconds, first=2 * senders))
        stages.lap(stages.MEASURE, "WebSocket position")
    stages.lap(stages.STOP)
    ceiling = asyncio.run(_copy(database_url, COPY_TABLE, vehicles, personas.acme_id, senders, seconds))
    stages.lap(stages.MEASURE, "COPY into fleet_position")
    unchecked = asyncio.run(
        _copy(database_url, UNCHECKED_TABLE, vehicles, personas.acme_id, senders, seconds)
    )
    stages.lap(stages.MEASURE, "COPY without foreign keys")
    ratio = http / ceiling if ceiling else float("nan")
    print(
        f"ingest: {http:,.0f} positions/s over HTTP, {ws:,.0f}/s over WebSockets,"
        f" {ceiling:,.0f}/s by COPY ({ratio:.2f}x), {unchecked:,.0f}/s by COPY without foreign keys",
        flush=True,
    )
    return Section(
        name="ingest",
        title="Telemetry ingest: POST /v1/telemetry and the WebSocket position message against raw COPY",
        summary=(
            f"{senders} sender processes, closed loop for {seconds:g} s after a warm-up: batches of {ingestload.HTTP_BATCH:,}"
            f" positions over HTTP, then of {ingestload.WS_BATCH} over one WebSocket each (frames stay under the 64 KiB"
            " limit); every position is new. The ceiling is asyncpg `COPY` of batches of the same rows from"
            f" {senders} connections into `fleet_position` itself, in the same run; the last row copies them"
            " into a copy of the table with its indexes but without its two foreign keys, whose checks"
            " (one per row and key, at commit) the service's writes cannot skip."
        ),
        table_header=["path", "positions/s", "vs COPY", "batch p50 ms", "batch p99 ms", "errors"],
        table_rows=[
            [
                f"POST /v1/telemetry ({ingestload.HTTP_BATCH:,} a batch)",
                number(http, 0),
                number(ratio, 2),
                number(http_histogram.percentile(50)),
                number(http_histogram.percentile(99)),
                str(http_failed),
            ],
            [
                f"WebSocket position ({ingestload.WS_BATCH} a batch)",
                number(ws, 0),
                number(ws / ceiling if ceiling else float("nan"), 2),
                number(ws_histogram.percentile(50)),
                number(ws_histogram.percentile(99)),
                str(ws_failed),
            ],
            ["asyncpg COPY into fleet_position", number(ceiling, 0), "1.00", "-", "-", "0"],
            [
                "asyncpg COPY into a copy without foreign keys",
                number(unchecked, 0),
                number(unchecked / ceiling if ceiling else float("nan"), 2),
                "-",
                "-",
                "0",
            ],
        ],
        targets=[
            ["telemetry ingest ≥ 50,000 positions/s", f"{http:,.0f}/s", "yes" if http >= 50_000 else "no"],
            ["telemetry ingest ≥ 0.5x raw COPY", f"{ratio:.2f}x", "yes" if ratio >= 0.5 else "no"],
        ],
    )
