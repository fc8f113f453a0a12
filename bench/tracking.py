"""``tracking``: ``GET /v1/track/{code}`` against a bare Starlette + asyncpg app doing the same lookups.

The realtime service twice: reading the database on every lookup (the
projection off, ``TRACK_PROJECTION_TTL_SECONDS=0``: the same queries as the
bare app) and served from its Redis projection (the default). Closed loop at
each concurrency, every server one process, interleaved in the same run;
shipments in transit with a timeline and a last position.
"""

import asyncio
import os
import sys
from pathlib import Path

import httpload
import stages
from environment import bench_database, bench_personas
from fanout import start_realtime
from report import BENCH_DIR, Section, number

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup
from waybill_testkit.realtime import Personas

SHIPMENTS = 50
DATABASE = "waybill-realtime, database"
PROJECTED = "waybill-realtime, Redis projection"
BARE = "bare Starlette + asyncpg"


def start_bare(group: ProcessGroup, database_url: str) -> str:
    """The bare Starlette + asyncpg lookup (``bare_tracking``), one process on a free port; its URL."""
    port = stack.free_port()
    group.start(
        "bare-tracking",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(BENCH_DIR),
            "bare_tracking:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env={"DATABASE_URL": database_url.replace("postgresql+asyncpg://", "postgresql://")},
    )
    wait_until(lambda: not stack.port_is_free("127.0.0.1", port), what="the bare tracking app", timeout=30)
    return f"http://127.0.0.1:{port}"


async def add_shipments(personas: Personas) -> list[str]:
    """``SHIPMENTS`` shipments in transit on Acme's van; their tracking codes."""
    return [
        (await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)).tracking_code
        for _ in range(SHIPMENTS)
    ]


def run(out: Path, *, smoke: bool) -> Section:
    concurrencies, seconds = ((2,), 0.5) if smoke else ((10, 100), 4.0)
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    personas = bench_personas()
    codes = asyncio.run(add_shipments(personas))
    stages.lap(stages.SEED, f"{SHIPMENTS} shipments")
    rows, results = [], {}
    with Path(os.devnull).open("w") as quiet, ProcessGroup(output=quiet) as group:
        unlimited = {"TRACK_RATE_LIMIT_PER_MINUTE": "100000000"}
        database, _ = start_realtime(
            group, database_url, redis_url, TRACK_PROJECTION_TTL_SECONDS="0", **unlimited
        )
        projected, _ = start_realtime(group, database_url, redis_url, **unlimited)
        bare = start_bare(group, database_url)
        servers = ((DATABASE, database), (PROJECTED, projected), (BARE, bare))
        stages.lap(stages.START, "two realtime processes and the bare app")
        requests = [httpload.Request("GET", f"/v1/track/{code}") for code in codes]
        for _, url in servers:
            httpload.closed_loop(
                url, requests, 4, min(seconds, 1.0), {}
            )  # warm-up: connections, statement caches, the projection
        stages.lap(stages.WARM_UP)
        for concurrency in concurrencies:
            for name, url in servers:
                per_second, histogram, failed = httpload.closed_loop(url, requests, concurrency, seconds, {})
                results[(name, concurrency)] = per_second
                print(f"tracking: {name} c={concurrency}: {per_second:,.0f}/s", flush=True)
                stages.lap(stages.MEASURE, f"{name}, concurrency {concurrency}")
                rows.append(
                    [
                        name,
                        str(concurrency),
                        number(per_second, 0),
                        "",
                        *(number(histogram.percentile(q)) for q in (50, 90, 99, 99.9)),
                        str(failed),
                    ]
                )
    for row in rows:
        if row[0] != BARE:
            ceiling = results[(BARE, int(row[1]))]
            row[3] = number(results[(row[0], int(row[1]))] / ceiling if ceiling else float("nan"), 2)
    top = concurrencies[-1]
    ratio = results[(DATABASE, top)] / max(results[(BARE, top)], 1e-9)
    redis_ratio = results[(PROJECTED, top)] / max(results[(BARE, top)], 1e-9)
    return Section(
        name="tracking",
        title="Public tracking: GET /v1/track/{code} against a bare Starlette + asyncpg lookup",
        summary=(
            f"{SHIPMENTS} shipments in transit (timeline of 4 steps, a last position); closed loop for"
            f" {seconds:g} s at each concurrency from 2 load-generator processes (httpx, keep-alive);"
            " every server is one process, in the same run. The realtime service runs twice: reading the"
            " database on every lookup (its projection off: the bare app's three queries, plus the rate"
            " limit's Redis call) and served from its Redis projection (one Redis call). The service's rate"
            " limit is raised for the run."
        ),
        table_header=[
            "server",
            "concurrency",
            "requests/s",
            "vs bare",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "errors",
        ],
        table_rows=rows,
        targets=[
            [
                f"public tracking ≥ 0.9x bare Starlette + asyncpg (concurrency {top})",
                f"{ratio:.2f}x",
                "yes" if ratio >= 0.9 else "no",
            ],
            [
                f"public tracking from the Redis projection against the bare database lookup (concurrency {top})",
                f"{redis_ratio:.2f}x",
                "yes" if redis_ratio >= 1 else "no",
            ],
        ],
    )
