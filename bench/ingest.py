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

The three compared paths run interleaved, in rounds (HTTP, COPY, WebSocket, then
again): on a shared machine whose other load comes and goes over tens of
seconds, one long run of each put the ceiling in another minute than the
service (two runs of the same commit measured it at 64,000 and 108,000/s).
"""

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import ingestload
import psutil
import stages
from environment import bench_database, bench_personas
from fanout import start_realtime
from histogram import Histogram
from report import Section, number

from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient

COPY_TABLE = "fleet_position"
UNCHECKED_TABLE = "bench_position"
"""``LIKE fleet_position INCLUDING ALL``: the same indexes, no foreign keys."""


async def _copy(
    database_url: str,
    table: str,
    vehicles: list[int],
    organization_id: int,
    senders: int,
    seconds: float,
    first: int = 0,
) -> tuple[int, float]:
    """Rows copied and seconds taken; ``first``: the round, so that no round copies a row of another."""
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

    async def sender(offset: int) -> int:  # each sender's rows are 100 s apart from the others'
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
    copied = await asyncio.gather(*(sender(first * senders + index) for index in range(senders)))
    return sum(copied), time.monotonic() - started


def run(out: Path, *, smoke: bool) -> Section:
    seconds, senders, rounds = (1.0, 2, 1) if smoke else (8.0, 4, 2)
    each = seconds / rounds
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    personas = bench_personas()
    vehicles = [personas.acme_van, personas.acme_truck]

    def copy(table: str, first: int) -> tuple[int, float]:
        return asyncio.run(_copy(database_url, table, vehicles, personas.acme_id, senders, each, first=first))

    http_rounds: list[ingestload.Round] = []
    ws_rounds: list[ingestload.Round] = []
    copied: list[tuple[int, float]] = []
    server_cpu = {False: 0.0, True: 0.0}
    """CPU seconds of the realtime process during the HTTP rounds (False) and the WebSocket ones."""
    with Path(os.devnull).open("w") as quiet, ProcessGroup(output=quiet) as group:
        url, pid = start_realtime(group, database_url, redis_url, TELEMETRY_RATE_LIMIT_PER_MINUTE="10000000")

        def measured(websocket: bool) -> ingestload.Round:
            before = _cpu_seconds(pid)
            result = load.round(websocket=websocket, seconds=each)
            server_cpu[websocket] += _cpu_seconds(pid) - before
            return result

        token = asyncio.run(RealtimeClient(url).token(personas.acme_dispatcher, personas.password))
        stages.lap(stages.START, "waybill-realtime")
        warm_up = min(seconds, 1.0)
        with ingestload.Senders(
            [
                ingestload.Sender(url, token, vehicles, n, http_seconds=warm_up + seconds, ws_seconds=seconds)
                for n in range(senders)
            ]
        ) as load:
            load.round(websocket=False, seconds=warm_up)
            copy(COPY_TABLE, first=rounds)  # the ceiling warms up too (its connections, the table's pages)
            stages.lap(stages.WARM_UP)
            for number_ in range(rounds):
                http_rounds.append(measured(websocket=False))
                stages.lap(stages.MEASURE, f"POST /v1/telemetry, round {number_ + 1}")
                copied.append(copy(COPY_TABLE, first=number_))
                stages.lap(stages.MEASURE, f"COPY into fleet_position, round {number_ + 1}")
                ws_rounds.append(measured(websocket=True))
                stages.lap(stages.MEASURE, f"WebSocket position, round {number_ + 1}")
    stages.lap(stages.STOP)
    unchecked_rows, unchecked_seconds = copy(UNCHECKED_TABLE, first=0)
    stages.lap(stages.MEASURE, "COPY without foreign keys")
    http, http_histogram, http_failed, http_cpu = _total(http_rounds)
    ws, ws_histogram, ws_failed, ws_cpu = _total(ws_rounds)
    ceiling = sum(rows for rows, _ in copied) / sum(taken for _, taken in copied)
    unchecked = unchecked_rows / unchecked_seconds
    ratio = http / ceiling if ceiling else float("nan")
    http_server = server_cpu[False] / sum(round_.positions for round_ in http_rounds) * 1e6
    ws_server = server_cpu[True] / sum(round_.positions for round_ in ws_rounds) * 1e6
    print(
        f"ingest: {http:,.0f} positions/s over HTTP, {ws:,.0f}/s over WebSockets,"
        f" {ceiling:,.0f}/s by COPY ({ratio:.2f}x), {unchecked:,.0f}/s by COPY without foreign keys;"
        f" senders' CPU {http_cpu:.1f} µs/position over HTTP, {ws_cpu:.1f} over WebSockets;"
        f" the service's {http_server:.1f} and {ws_server:.1f}",
        flush=True,
    )
    return Section(
        name="ingest",
        title="Telemetry ingest: POST /v1/telemetry and the WebSocket position message against raw COPY",
        summary=(
            f"{senders} sender processes, closed loop for {seconds:g} s of each path after a warm-up: batches of"
            f" {ingestload.HTTP_BATCH:,} positions over HTTP, and of {ingestload.WS_BATCH} over one WebSocket each"
            " (frames stay under the 64 KiB limit); every position is new. The ceiling is asyncpg `COPY` of"
            f" batches of the same rows from {senders} connections into `fleet_position` itself. The three run"
            f" interleaved in {rounds} rounds of {each:g} s each (HTTP, COPY, WebSocket), so the machine's other"
            " load weighs on all three alike; the senders are `httpload`'s kind of client. Server CPU is the"
            " realtime process's own (user and system) per position stored; the senders' competes with it and"
            " PostgreSQL for the same two cores. The last row copies the rows into a copy"
            " of the table with its indexes but without its two foreign keys, whose checks (one per row and"
            " key, at commit) the service's writes cannot skip."
        ),
        table_header=[
            "path",
            "positions/s",
            "vs COPY",
            "batch p50 ms",
            "batch p99 ms",
            "errors",
            "server CPU µs/position",
            "sender CPU µs/position",
        ],
        table_rows=[
            [
                f"POST /v1/telemetry ({ingestload.HTTP_BATCH:,} a batch)",
                number(http, 0),
                number(ratio, 2),
                number(http_histogram.percentile(50)),
                number(http_histogram.percentile(99)),
                str(http_failed),
                number(http_server),
                number(http_cpu),
            ],
            [
                f"WebSocket position ({ingestload.WS_BATCH} a batch)",
                number(ws, 0),
                number(ws / ceiling if ceiling else float("nan"), 2),
                number(ws_histogram.percentile(50)),
                number(ws_histogram.percentile(99)),
                str(ws_failed),
                number(ws_server),
                number(ws_cpu),
            ],
            ["asyncpg COPY into fleet_position", number(ceiling, 0), "1.00", "-", "-", "0", "-", "-"],
            [
                "asyncpg COPY into a copy without foreign keys",
                number(unchecked, 0),
                number(unchecked / ceiling if ceiling else float("nan"), 2),
                "-",
                "-",
                "0",
                "-",
                "-",
            ],
        ],
        targets=[
            ["telemetry ingest ≥ 50,000 positions/s", f"{http:,.0f}/s", "yes" if http >= 50_000 else "no"],
            ["telemetry ingest ≥ 0.5x raw COPY", f"{ratio:.2f}x", "yes" if ratio >= 0.5 else "no"],
        ],
    )


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _total(rounds: list[ingestload.Round]) -> tuple[float, Histogram, int, float]:
    """Positions/s over every round, their latencies, failures, and the senders' CPU µs per position."""
    histogram = Histogram()
    for round_ in rounds:
        histogram.merge(round_.histogram.counts)
    positions = sum(round_.positions for round_ in rounds)
    per_second = positions / sum(round_.seconds for round_ in rounds)
    cpu = sum(round_.sender_cpu_seconds for round_ in rounds) / positions * 1e6 if positions else float("nan")
    return per_second, histogram, sum(round_.failed for round_ in rounds), cpu
