"""``django_tracking``: the public tracking lookup four ways, at 10, 100 and 1,000 concurrent clients.

Django sync (``/t/{code}/status`` under gunicorn), a Django async view
(``/t/{code}/status/async`` under uvicorn, ASGI), the realtime service's
FastAPI ``GET /v1/track/{code}`` and the bare Starlette + asyncpg ceiling
(``bare_tracking``) answer the same shipments with the same object, in the
same run, interleaved at each concurrency. Closed loop from separate
load-generator processes (``httpload``); percentiles from a histogram.
"""

import asyncio
import os
import secrets
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpload
import matplotlib
import stages
from environment import bench_database, bench_personas
from fanout import start_realtime
from histogram import Histogram
from report import Section, number
from tracking import SHIPMENTS, add_shipments, settle, start_bare

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup

matplotlib.use("Agg")
from matplotlib import pyplot  # after choosing the non-interactive backend

DJANGO_PROCESSES = 2
"""One per core. The lookup waits on PostgreSQL and Redis for most of its time, which threads overlap
(``GUNICORN_THREADS``); more processes than cores only add context switches on a machine whose two cores
also run PostgreSQL, Redis and the load generators (gunicorn's 2 x cores + 1 rule assumes a machine of its own)."""
GUNICORN_THREADS = 4
"""As the production image (``infra/docker/gunicorn.conf.py``): gthread workers, 8 requests in flight in all."""

SYNC, ASYNC, FASTAPI, BARE = (
    f"Django sync (gunicorn {DJANGO_PROCESSES}x{GUNICORN_THREADS} gthread)",
    f"Django async view (uvicorn, {DJANGO_PROCESSES} workers)",
    "FastAPI realtime (1 process, projection off)",
    "bare Starlette + asyncpg (1 process)",
)
PATHS = {SYNC: "/t/{code}/status", ASYNC: "/t/{code}/status/async", FASTAPI: "/v1/track/{code}"}
PATHS[BARE] = PATHS[FASTAPI]
HEADERS = {"X-Forwarded-Proto": "https"}  # as the Ingress sends: production Django redirects plain HTTP


@dataclass(frozen=True)
class Result:
    server: str
    concurrency: int
    per_second: float
    histogram: Histogram
    failed: int
    cut_off: int


def django_env(database_url: str, redis_url: str, media: str, port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url.replace("postgresql+asyncpg://", "postgresql://"),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.production",
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),  # a throwaway key for this run only
        "MEDIA_ROOT": media,
        "SITE_URL": "https://waybill.test",
        "DEFAULT_FROM_EMAIL": "Waybill <no-reply@waybill.test>",
        "EMAIL_URL": "smtp+plain://127.0.0.1:1025",  # nothing is sent by a lookup
        "BIND_HOST": "127.0.0.1",
        "DJANGO_PORT": str(port),
        "TRACK_RATE_LIMIT_PER_MINUTE": "100000000",
        "PYTHONUNBUFFERED": "1",
    }


def start_gunicorn(group: ProcessGroup, env: dict[str, str]) -> str:
    """Django's WSGI app as the image serves it (its gunicorn settings), without the access log; its URL."""
    return gunicorn_server(group, env)[0]


def gunicorn_server(group: ProcessGroup, env: dict[str, str]) -> tuple[str, int]:
    """``start_gunicorn``'s server: its URL and the pid of gunicorn's arbiter (its workers are children)."""
    port = env["DJANGO_PORT"]
    command = [
        str(stack.BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(DJANGO_PROCESSES),
        "--threads",
        str(GUNICORN_THREADS),
        "--keep-alive",
        "5",
        "--timeout",
        "30",
        "--log-level",
        "warning",
        "waybill_django.config.wsgi:application",
    ]
    process = group.start("gunicorn", command, env=env)
    return f"http://127.0.0.1:{port}", process.pid


def start_asgi(group: ProcessGroup, env: dict[str, str]) -> tuple[str, int]:
    port = int(env["DJANGO_PORT"])
    command = stack.django_asgi_command("127.0.0.1", port, workers=DJANGO_PROCESSES)
    process = group.start("django-asgi", command, env=env)
    return f"http://127.0.0.1:{port}", process.pid


def wait_ready(url: str) -> None:
    wait_until(partial(stack.is_ready, url), what=f"{url}/readyz", timeout=90)


def run(out: Path, *, smoke: bool) -> Section:
    concurrencies, seconds = ((2,), 0.5) if smoke else ((10, 100, 1000), 3.0)
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    codes = asyncio.run(add_shipments(bench_personas()))
    stages.lap(stages.SEED, f"{SHIPMENTS} shipments")
    results: list[Result] = []
    with (
        Path(os.devnull).open("w") as quiet,
        tempfile.TemporaryDirectory() as media,
        ProcessGroup(output=quiet) as group,
    ):
        # Django's two servers start while the others do: the processes import in parallel.
        sync = gunicorn_server(group, django_env(database_url, redis_url, media, stack.free_port()))
        asgi = start_asgi(group, django_env(database_url, redis_url, media, stack.free_port()))
        servers = {
            SYNC: sync,
            ASYNC: asgi,
            FASTAPI: start_realtime(
                group,
                database_url,
                redis_url,
                TRACK_RATE_LIMIT_PER_MINUTE="100000000",
                # The same lookup as the others: its Redis projection (the tracking scenario) off.
                TRACK_PROJECTION_TTL_SECONDS="0",
            ),
            BARE: start_bare(group, database_url),
        }
        for url, _ in (sync, asgi):
            wait_ready(url)
        stages.lap(stages.START, "gunicorn, uvicorn, waybill-realtime, the bare app")
        requests = {
            server: [httpload.Request("GET", path.format(code=code)) for code in codes]
            for server, path in PATHS.items()
        }
        for server, (url, _) in servers.items() if not smoke else ():  # warm-up: connections, caches, workers
            httpload.closed_loop(url, requests[server], 8, 1.0, HEADERS)
        stages.lap(stages.WARM_UP)
        for concurrency in concurrencies:
            for server, (url, pid) in servers.items():
                tally = httpload.closed_loop(url, requests[server], concurrency, seconds, HEADERS)
                results.append(
                    Result(
                        server, concurrency, tally.per_second, tally.histogram, tally.failed, tally.cut_off
                    )
                )
                print(
                    f"django_tracking: {server} c={concurrency}: {tally.per_second:,.0f}/s,"
                    f" answers by status {tally.statuses}",
                    flush=True,
                )
                stages.lap(stages.MEASURE, f"{server}, concurrency {concurrency}")
                settle(pid)  # what the deadline cut off must not run beside the next server's run
                stages.lap(stages.DRAIN, server)
    stages.lap(stages.STOP)
    section = _section(results, seconds, out)
    stages.lap(stages.PLOT)
    return section


def _section(results: list[Result], seconds: float, out: Path) -> Section:
    by = {(r.server, r.concurrency): r for r in results}
    rows = [
        [
            r.server,
            f"{r.concurrency:,}",
            number(r.per_second, 0),
            number(r.per_second / by[(BARE, r.concurrency)].per_second, 2)
            if r.server != BARE and by[(BARE, r.concurrency)].per_second
            else "",
            *(number(r.histogram.percentile(q)) for q in (50, 90, 99, 99.9)),
            str(r.failed),
            str(r.cut_off),
        ]
        for r in results
    ]
    concurrencies = sorted({r.concurrency for r in results})
    middle = 100 if 100 in concurrencies else concurrencies[-1]
    fastapi, django = by[(FASTAPI, middle)], by[(SYNC, middle)]
    asyncview = by[(ASYNC, middle)]
    peak_fastapi = max(by[(FASTAPI, c)].per_second for c in concurrencies)
    peak_bare = max(by[(BARE, c)].per_second for c in concurrencies)
    fast_p50, django_p50 = fastapi.histogram.percentile(50), django.histogram.percentile(50)
    latency_claim = fast_p50 < django_p50 / 2
    throughput_claim = peak_fastapi >= 5000
    return Section(
        name="django_tracking",
        title="Tracking lookup: Django sync, Django async, FastAPI and the bare ceiling",
        summary=(
            f"The same public tracking lookup ({SHIPMENTS} shipments in transit, a timeline of 4 steps, a last"
            " position; the same JSON object) served four ways in production mode, interleaved at each"
            f" concurrency: closed loop for {seconds:g} s from up to 4 load-generator processes (`httpload`: one"
            " keep-alive connection per request in flight, stopped at the deadline) after a warm-up. Django runs its whole middleware stack and the rate limit (raised for the run,"
            f" still one Redis round trip per request, as in FastAPI); {DJANGO_PROCESSES} processes, one per"
            " core (gunicorn's 2 x cores + 1 assumes a machine of its own; here PostgreSQL, Redis and the load"
            f" generators share the 2 cores, and {GUNICORN_THREADS} threads per process overlap the waits on"
            " the database, as the production image does). FastAPI and the bare app are one process each."
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
            "cut off",
        ],
        table_rows=rows,
        targets=[
            [
                f"claim: FastAPI 45 ms vs Django 120 ms at 100 users (concurrency {middle}, p50)",
                f"FastAPI {fast_p50:,.0f} ms vs Django sync {django_p50:,.0f} ms"
                f" ({django_p50 / fast_p50 if fast_p50 else float('nan'):.1f}x; claimed 2.7x;"
                f" async view {asyncview.histogram.percentile(50):,.0f} ms)",
                "ratio confirmed (Django over 2x)" if latency_claim else "refuted (Django under 2x)",
            ],
            [
                "claim: 5,000 requests/s on one uvicorn worker (FastAPI, one process)",
                f"{peak_fastapi:,.0f}/s at best (bare Starlette + asyncpg {peak_bare:,.0f}/s)",
                "confirmed" if throughput_claim else "refuted on this machine",
            ],
        ],
        notes=_explanation(by, middle, peak_fastapi, peak_bare),
        plots=_plots(results, out),
    )


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _explanation(
    by: dict[tuple[str, int], Result], middle: int, peak_fastapi: float, peak_bare: float
) -> list[str]:
    """What this run's figures say; every comparison is computed from them, none is assumed."""
    fastapi, django, asyncview, bare = (by[(server, middle)] for server in (FASTAPI, SYNC, ASYNC, BARE))
    throughput = _ratio(fastapi.per_second, django.per_second)
    async_vs_sync = _ratio(asyncview.per_second, django.per_second)
    vs_bare = _ratio(fastapi.per_second, bare.per_second)
    top = max(c for _, c in by)
    cut = sum(r.cut_off for (_, c), r in by.items() if c == top)
    return [
        "A closed loop obeys Little's law: latency = concurrency / throughput. At"
        f" {middle} clients FastAPI answered {fastapi.per_second:,.0f}/s, so its p50 of"
        f" {fastapi.histogram.percentile(50):,.0f} ms is about {middle} / {fastapi.per_second:,.0f} s; Django sync"
        f" answered {django.per_second:,.0f}/s ({django.histogram.percentile(50):,.0f} ms). A latency quoted"
        " 'with 100 users' is a throughput figure of one machine in disguise: 45 ms means about 2,200"
        " requests/s, 120 ms about 830/s. The ratio between the frameworks is what carries over between machines,"
        f" and here FastAPI answered {throughput:.2f}x Django sync's requests/s with {DJANGO_PROCESSES} Django"
        " processes against one FastAPI process" + f", {throughput * DJANGO_PROCESSES:.1f}x per process.",
        (
            "Why Django sync is slower per request: each request runs about ten middlewares (sessions, CSRF,"
            " messages, allauth, security headers), a Redis round trip for the rate limit and three ORM queries"
            " whose rows become model instances, all in Python under the GIL; a gthread worker overlaps only"
            " the waits on PostgreSQL and Redis."
            if throughput > 1
            else f"Django sync kept up with FastAPI in this run ({throughput:.2f}x): its {DJANGO_PROCESSES}"
            " processes use both cores, FastAPI's one process at most one."
        ),
        f"The async view answered {asyncview.per_second:,.0f}/s against {django.per_second:,.0f}/s sync at"
        f" {middle} ({async_vs_sync:.2f}x"
        + (
            "): Django's async ORM and cache API run the same synchronous psycopg and redis-py code in a"
            " worker thread through sync_to_async, one thread hop per query, so async buys many open"
            " connections per process, not a faster lookup."
            if async_vs_sync < 1
            else "): in this run the async view was not slower than the sync one; its ORM calls still run"
            " in a worker thread through sync_to_async, so what it buys is open connections, not a faster"
            " lookup."
        ),
        f"FastAPI answered {vs_bare:.2f}x the bare ceiling's requests/s at {middle} clients: both make the"
        " same three asyncpg queries; FastAPI adds its middleware, dependency injection, the response model"
        " and the rate limit per request"
        + (
            ", which is what the gap is made of (the tracking section gives both servers' CPU per request)."
            if vs_bare < 0.95
            else "; at this ratio the database and the machine, not the framework, bounded both."
        ),
        f"5,000 requests/s on one uvicorn worker: the bare Starlette + asyncpg app, with no framework at all,"
        f" reached {peak_bare:,.0f}/s at best and FastAPI {peak_fastapi:,.0f}/s on this machine, whose 2 cores"
        " also run PostgreSQL, Redis and the load generators. "
        + (
            f"Even the bare lookup stays under it ({1000 / peak_bare if peak_bare else float('nan'):.2f} ms"
            " of the machine per request, its three queries included); figures of that size come from"
            " endpoints that return a constant, or from machines whose database and load generator have"
            " cores of their own."
            if peak_bare < 5000
            else "The bare lookup reaches it, so the framework's own cost is what stands between FastAPI"
            " and the claim."
        ),
        "`errors`: connection errors, malformed answers and any status other than 200 (a 1,000-client run"
        " that overflows a server's backlog or PostgreSQL's connections shows here). `cut off`: requests still"
        " in flight at the run's deadline, cancelled and counted apart, so a server that answers in seconds"
        f" cannot stretch a run past its stated length ({cut:,} at {top:,} clients, all servers); the next run"
        " starts once the server is idle again (stage `drain`).",
    ]


def _plots(results: list[Result], out: Path) -> list[Path]:
    figure, (latency, throughput) = pyplot.subplots(1, 2, figsize=(11, 4.2))
    for server, colour in ((SYNC, "#2f855a"), (ASYNC, "#9c4221"), (FASTAPI, "#2b6cb0"), (BARE, "#718096")):
        mine = [r for r in results if r.server == server]
        xs = [r.concurrency for r in mine]
        latency.plot(
            xs, [r.histogram.percentile(99) for r in mine], "o-", color=colour, label=f"{server} p99"
        )
        latency.plot(
            xs, [r.histogram.percentile(50) for r in mine], "o--", color=colour, label=f"{server} p50"
        )
        throughput.plot(xs, [r.per_second for r in mine], "o-", color=colour, label=server)
    latency.set(xscale="log", yscale="log", xlabel="concurrent clients", ylabel="latency (ms)")
    latency.set_title("Latency against load (closed loop)")
    throughput.set(xscale="log", xlabel="concurrent clients", ylabel="requests/s")
    throughput.set_title("Throughput against connections")
    for axis in (latency, throughput):
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    path = out / "django_tracking.png"
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return [path]
