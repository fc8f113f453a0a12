"""``fanout``: stream entry to WebSocket client, the realtime service against a bare ``websockets.broadcast``.

Both targets read the same organization stream and are driven by the same
load client (``wsload``) in separate processes. Every comparison runs side
by side: for each size, the realtime service and the bare server each take
their turn (interleaved), with a warm-up, then a fixed-duration open-loop run
at a constant event rate (latency), then a closed-loop run (bursts published
only once every client has the previous one: peak throughput).
"""

import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import matplotlib
import psutil
import stages
import wsload
from environment import bench_database, bench_personas
from histogram import Histogram
from redis.asyncio import Redis
from report import Section, number

from waybill_contracts.channels import ORG_STREAM_MAXLEN, STREAM_ENTRY_FIELD, org_channel, org_stream_key
from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import ShipmentCreated
from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient

matplotlib.use("Agg")
from matplotlib import pyplot  # after choosing the non-interactive backend

BENCH_DIR = Path(__file__).resolve().parent
CONNECTIONS_PER_LOADGEN = 2500


@dataclass(frozen=True)
class Sizes:
    clients: tuple[int, ...]
    deliveries_per_second: int
    """Offered deliveries per second in the open-loop run: events/s = this / clients."""
    warmup_seconds: float
    run_seconds: float
    burst: int
    closed_loop_seconds: float
    settle_seconds: float = 1.0
    """Pause after connecting (before measuring idle memory) and after the last event of the open loop."""


@dataclass(frozen=True)
class Target:
    name: str
    uri: str
    pid: int
    headers: dict[str, str] = field(default_factory=dict)
    subscribe: str | None = None


@dataclass
class Run:
    target: str
    clients: int
    mode: str  # "open" or "closed"
    offered_per_second: float
    delivered_per_second: float
    histogram: Histogram
    lost: int
    out_of_order: int
    closes: dict[int, int]
    connect_failures: int
    cpu_us_per_delivery: float
    """The server's CPU time (user and system) per delivered message, while measuring: less noisy than latency."""
    loadgen_cpu_percent: float = float("nan")
    """The load-generator processes' CPU time over the same interval, summed, in % of one core."""
    other_cpu_percent: float = float("nan")
    """The rest of the machine's busy time over it (Redis, PostgreSQL, other work on a shared machine), % of a core."""
    idle_kib_per_connection: float = float("nan")

    def row(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "clients": self.clients,
            "mode": self.mode,
            "offered/s": self.offered_per_second,
            "delivered/s": self.delivered_per_second,
            **{f"p{q}": self.histogram.percentile(q) for q in (50, 90, 99, 99.9)},
            "lost": self.lost,
            "out_of_order": self.out_of_order,
            "errors": self.connect_failures + sum(n for code, n in self.closes.items()),
            "idle KiB/conn": self.idle_kib_per_connection,
            "server CPU µs/delivery": self.cpu_us_per_delivery,
            "load gen CPU %": self.loadgen_cpu_percent,
            "other CPU %": self.other_cpu_percent,
        }


def _event(organization_id: int, seq: int) -> str:
    return ShipmentCreated(
        event_id=uuid.uuid4(),
        organization_id=organization_id,
        occurred_at=datetime.now(UTC),
        shipment_id=1,
        reference=f"B-{seq}-{time.monotonic_ns()}",
        status=ShipmentStatus.DRAFT,
    ).model_dump_json()


class Publisher:
    def __init__(self, redis: Redis, organization_id: int) -> None:
        self.redis = redis
        self.organization_id = organization_id
        self.key = org_stream_key(organization_id)
        self.seq = 0

    async def publish(self, count: int = 1) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for _ in range(count):
                pipe.xadd(
                    self.key,
                    {STREAM_ENTRY_FIELD: _event(self.organization_id, self.seq)},
                    maxlen=ORG_STREAM_MAXLEN,
                    approximate=True,
                )
                self.seq += 1
            await pipe.execute()

    async def at_rate(self, per_second: float, seconds: float) -> int:
        """Publish at a constant rate (open loop: never waits for the clients); returns how many."""
        started = time.monotonic()
        sent = 0
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * per_second) + 1
            if due > sent:
                await self.publish(due - sent)
                sent = due
            await asyncio.sleep(min(0.005, 1 / per_second))
        return sent


class LoadGenerators:
    """Load-generator processes holding connections to one target between them; ``grow`` adds more."""

    def __init__(self, target: Target, clients: int = 0) -> None:
        self.target = target
        self.pipes: list[Pipe] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.opened = 0
        self.failed = 0
        self.grow(clients)

    def grow(self, clients: int) -> int:
        """Hold ``clients`` connections in all, opened concurrently from new processes; how many it added."""
        context = multiprocessing.get_context("spawn")
        target, pipes = self.target, []
        wanted = clients - self.opened - self.failed
        for first in range(0, wanted, CONNECTIONS_PER_LOADGEN):
            count = min(CONNECTIONS_PER_LOADGEN, wanted - first)
            parent, child = context.Pipe()
            process = context.Process(
                target=wsload.serve,
                args=(child, target.uri, count, target.headers, target.subscribe),
                daemon=True,
            )
            process.start()
            pipes.append(parent)
            self.processes.append(process)
        opened_before = self.opened
        for pipe in pipes:
            _, opened, failed = pipe.recv()
            self.opened += opened
            self.failed += failed
        self.pipes += pipes
        return self.opened - opened_before

    def ask(self, command: object) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def stop(self) -> None:
        self.ask("stop")
        for process in self.processes:
            process.join(10)


def _rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + times.irq + times.softirq + times.steal)


class CpuWatch:
    """Where the machine's CPU went from its creation to ``stop``: the server, its load generators, the rest.

    The rest is the machine's busy time less the server, the load generators and this process (the
    publisher): on a shared machine, what else competed with them for the cores.
    """

    def __init__(self, server_pid: int, generators: "LoadGenerators") -> None:
        self.server_pid = server_pid
        self.pids = [process.pid for process in generators.processes if process.pid is not None]
        self.started = time.monotonic()
        self.server, self.loadgens, self.harness, self.machine = self._now()

    def _now(self) -> tuple[float, float, float, float]:
        loadgens = sum(_cpu_seconds(pid) for pid in self.pids)
        return _cpu_seconds(self.server_pid), loadgens, _cpu_seconds(os.getpid()), _machine_busy_seconds()

    def stop(self) -> tuple[float, float, float]:
        """The server's CPU seconds, the load generators' and the rest's CPU in % of one core."""
        elapsed = max(1e-9, time.monotonic() - self.started)
        server, loadgens, harness, machine = self._now()
        server -= self.server
        loadgens -= self.loadgens
        rest = (machine - self.machine) - server - loadgens - (harness - self.harness)
        return server, loadgens / elapsed * 100, max(0.0, rest) / elapsed * 100


def _collect(generators: LoadGenerators) -> tuple[Histogram, int, int, dict[int, int], int]:
    histogram = Histogram()
    received = out_of_order = open_connections = 0
    closes: dict[int, int] = {}
    for report in generators.ask("report"):
        histogram.merge(report["histogram"])
        received += report["received"]
        out_of_order += report["out_of_order"]
        open_connections += report["open"]
        for code, count in report["closes"].items():
            closes[code] = closes.get(code, 0) + count
    return histogram, received, out_of_order, closes, open_connections


async def _open_loop(
    generators: LoadGenerators, publisher: Publisher, target: Target, clients: int, sizes: Sizes
) -> Run:
    events_per_second = sizes.deliveries_per_second / clients
    await publisher.at_rate(events_per_second, sizes.warmup_seconds)
    stages.lap(stages.WARM_UP)
    first = publisher.seq
    generators.ask(("record", first))
    watch = CpuWatch(target.pid, generators)
    started = time.monotonic()
    published = await publisher.at_rate(events_per_second, sizes.run_seconds)
    elapsed = time.monotonic() - started
    stages.lap(stages.MEASURE, f"{target.name}, {clients:,} clients, open loop")
    await asyncio.sleep(sizes.settle_seconds)  # let the last events arrive
    cpu, loadgen_cpu, other_cpu = watch.stop()
    histogram, received, out_of_order, closes, _ = _collect(generators)
    stages.lap(stages.SETTLE)
    expected = published * generators.opened
    return Run(
        target=target.name,
        clients=clients,
        mode="open",
        offered_per_second=published * generators.opened / elapsed,
        delivered_per_second=received / elapsed,
        histogram=histogram,
        lost=expected - received,
        out_of_order=out_of_order,
        closes=closes,
        connect_failures=generators.failed,
        cpu_us_per_delivery=cpu * 1e6 / max(1, received),
        loadgen_cpu_percent=loadgen_cpu,
        other_cpu_percent=other_cpu,
    )


async def _closed_loop(
    generators: LoadGenerators, publisher: Publisher, target: Target, clients: int, sizes: Sizes
) -> Run:
    # Start from an empty pipe: what the open loop left queued is not this run's throughput.
    if publisher.seq:
        await asyncio.to_thread(generators.ask, ("wait", publisher.seq - 1, 60.0))
    stages.lap(stages.DRAIN, "what the open loop left queued")
    generators.ask(("record", publisher.seq))
    watch = CpuWatch(target.pid, generators)
    started = time.monotonic()
    published = 0
    while time.monotonic() - started < sizes.closed_loop_seconds:
        await publisher.publish(sizes.burst)
        published += sizes.burst
        replies = await asyncio.to_thread(generators.ask, ("wait", publisher.seq - 1, 10.0))
        if not all(replies):
            break  # a client never got the burst: counted as lost below
    elapsed = time.monotonic() - started
    cpu, loadgen_cpu, other_cpu = watch.stop()
    histogram, received, out_of_order, closes, _ = _collect(generators)
    stages.lap(stages.MEASURE, f"{target.name}, {clients:,} clients, closed loop")
    return Run(
        target=target.name,
        clients=clients,
        mode="closed",
        offered_per_second=float("nan"),
        delivered_per_second=received / elapsed,
        histogram=histogram,
        lost=published * generators.opened - received,
        out_of_order=out_of_order,
        closes=closes,
        connect_failures=generators.failed,
        cpu_us_per_delivery=cpu * 1e6 / max(1, received),
        loadgen_cpu_percent=loadgen_cpu,
        other_cpu_percent=other_cpu,
    )


async def measure(generators: LoadGenerators, publisher: Publisher, clients: int, sizes: Sizes) -> list[Run]:
    """Open-loop then closed-loop run of ``clients`` connections against one target.

    The connections of the smaller sizes stay open (their clients keep counting); only the new ones are
    opened, and the idle memory is the server's growth per added, subscribed, idle connection.
    """
    target = generators.target
    before = _rss(target.pid)
    added = generators.grow(clients)
    stages.lap(stages.CONNECT, f"{target.name}, {added:,} more, {generators.opened:,} open")
    await asyncio.sleep(sizes.settle_seconds)
    idle = (_rss(target.pid) - before) / max(1, added) / 1024
    stages.lap(stages.SETTLE)
    open_run = await _open_loop(generators, publisher, target, clients, sizes)
    closed_run = await _closed_loop(generators, publisher, target, clients, sizes)
    open_run.idle_kib_per_connection = idle
    return [open_run, closed_run]


def start_bare(group: ProcessGroup, redis_url: str, organization_id: int, index: int) -> Target:
    port = stack.free_port()
    process = group.start(
        f"bare{index}",
        [
            str(stack.BIN / "python"),
            str(BENCH_DIR / "bare_broadcast.py"),
            str(port),
            redis_url,
            str(organization_id),
        ],
        env=dict(os.environ),
    )
    wait_until(lambda: not stack.port_is_free("127.0.0.1", port), what="the bare server", timeout=30)
    return Target(name="bare websockets.broadcast", uri=f"ws://127.0.0.1:{port}/", pid=process.pid)


FULL = Sizes(
    clients=(1000, 2000, 5000, 10_000),
    deliveries_per_second=50_000,
    warmup_seconds=1,
    run_seconds=4,  # 200,000 deliveries a run
    burst=20,
    closed_loop_seconds=3,
)
SMOKE = Sizes(
    clients=(10, 20),
    deliveries_per_second=200,
    warmup_seconds=0.2,
    run_seconds=0.5,
    burst=5,
    closed_loop_seconds=0.5,
    settle_seconds=0.3,
)


def start_realtime(
    group: ProcessGroup, database_url: str, redis_url: str, **settings: str
) -> tuple[str, int]:
    """``waybill-realtime`` in production mode (its own launcher, no reload, no debug): its URL and pid."""
    port = stack.free_port()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),  # a throwaway key for this run only
        "BIND_HOST": "127.0.0.1",
        "REALTIME_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    process = group.start("realtime", stack.realtime_command(), env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until(partial(stack.is_ready, url), what="waybill-realtime", timeout=60)
    return url, process.pid


def run(out: Path, *, smoke: bool) -> Section:
    sizes = SMOKE if smoke else FULL
    wsload.raise_open_files_limit()
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    personas = bench_personas()
    channel = org_channel(personas.acme_id)
    stages.lap(stages.SEED, "the run's database and personas, once for every scenario")
    with Path(os.devnull).open("w") as quiet, ProcessGroup(output=quiet) as group:
        # The load clients send no application pings: the idle timeout must outlast the whole scenario.
        url, realtime_pid = start_realtime(group, database_url, redis_url, WS_IDLE_TIMEOUT_SECONDS="3600")
        token = asyncio.run(RealtimeClient(url).token(personas.acme_dispatcher, personas.password))
        waybill = Target(
            name="waybill-realtime",
            uri=url.replace("http://", "ws://") + "/ws",
            pid=realtime_pid,
            headers={"Authorization": f"Bearer {token}"},
            subscribe=json.dumps({"type": "subscribe", "channel": channel}),
        )
        # Another organization's stream: the clients of one target stay connected, idle, while the other runs.
        bare = start_bare(group, redis_url, personas.globex_id, 1)
        stages.lap(stages.START, "waybill-realtime and the bare server")
        runs = asyncio.run(_every_size(((waybill, personas.acme_id), (bare, personas.globex_id)), sizes))
    stages.lap(stages.STOP, "every client and both servers")
    section = _section(runs, sizes, out)
    stages.lap(stages.PLOT)
    return section


async def _every_size(targets: tuple[tuple[Target, int], ...], sizes: Sizes) -> list[Run]:
    """Each size, each target in turn (interleaved: the same minute of the machine for both)."""
    runs: list[Run] = []
    with contextlib.ExitStack() as stack_of_clients:
        async with Redis.from_url(os.environ["REDIS_URL"], decode_responses=True) as redis:
            pairs = []
            for target, organization_id in targets:
                generators = LoadGenerators(target)
                stack_of_clients.callback(generators.stop)
                pairs.append((generators, Publisher(redis, organization_id)))
            for clients in sizes.clients:
                for generators, publisher in pairs:
                    for result in await measure(generators, publisher, clients, sizes):
                        print(f"fanout: {_line(result)}", flush=True)
                        runs.append(result)
    return runs


def _line(run: Run) -> str:
    row = run.row()
    return (
        f"{run.target:<26} {run.clients:>6} clients {run.mode:<6} offered {number(row['offered/s'], 0):>8}/s"
        f" delivered {number(row['delivered/s'], 0):>8}/s p50 {number(row['p50'])} p99 {number(row['p99'])} ms"
        f" lost {run.lost} out-of-order {run.out_of_order} closes {run.closes}"
        f" CPU % load gens {run.loadgen_cpu_percent:.0f} other {run.other_cpu_percent:.0f}"
    )


def _section(runs: list[Run], sizes: Sizes, out: Path) -> Section:
    by = {(r.target, r.clients, r.mode): r for r in runs}
    rows = []
    for r in runs:
        ceiling = by.get((BARE, r.clients, r.mode))
        ratio = (
            r.delivered_per_second / ceiling.delivered_per_second
            if ceiling and r.target != BARE
            else math.nan
        )
        rows.append(
            [
                r.target,
                f"{r.clients:,}",
                r.mode,
                number(r.offered_per_second, 0),
                number(r.delivered_per_second, 0),
                number(ratio, 2),
                *(number(r.histogram.percentile(q)) for q in (50, 90, 99, 99.9)),
                str(r.lost),
                str(r.out_of_order),
                str(r.connect_failures + sum(r.closes.values())),
                number(r.idle_kib_per_connection),
                number(r.cpu_us_per_delivery, 2),
                number(r.loadgen_cpu_percent, 0),
                number(r.other_cpu_percent, 0),
            ]
        )
    return Section(
        name="fanout",
        title="Fan-out: stream entry to WebSocket client",
        summary=(
            f"Every client subscribes to one organization; events are appended to its Redis stream. Open loop:"
            f" {sizes.deliveries_per_second:,} deliveries/s offered (events/s = that / clients) for"
            f" {sizes.run_seconds:g} s after {sizes.warmup_seconds:g} s of warm-up. Closed loop: bursts of"
            f" {sizes.burst} events, the next once every client has the last, for {sizes.closed_loop_seconds:g} s."
            f" Clients in load-generator processes of {CONNECTIONS_PER_LOADGEN:,} connections; latency from the"
            " publisher's XADD to the client's read, one clock. Ratio: delivered/s against the bare"
            " `websockets.broadcast` server in the same mode and size."
        ),
        table_header=[
            "target",
            "clients",
            "mode",
            "offered/s",
            "delivered/s",
            "vs bare",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "lost",
            "out of order",
            "errors",
            "idle KiB/conn",
            "server CPU µs/delivery",
            "load gen CPU %",
            "other CPU %",
        ],
        table_rows=rows,
        targets=_targets(by, sizes),
        notes=[
            "`lost` counts deliveries not received by the end of the run (a settle pause after the last event in the open"
            " loop): backlog, not only loss. `errors`: failed connections and closes seen.",
            "`idle KiB/conn`: growth of the server's resident memory per connected, subscribed, idle client added"
            " at that size: the clients of the smaller sizes stay connected (and keep counting), so each size"
            " connects only the difference. Meanwhile the other target's clients stay connected too, idle:"
            " the bare server reads another organization's stream, so neither target sends to the other's clients.",
            "`server CPU µs/delivery`: the server process's CPU time (user and system) while measuring, per delivered"
            " message; on a shared machine it moves less than latency does. Most of it is the kernel's loopback send.",
            "`load gen CPU %`: the load-generator processes' CPU time over the same interval, summed, in % of one"
            " core; `other CPU %`: the rest of the machine's busy time then (Redis, PostgreSQL and whatever else"
            " runs on the machine; the harness's publisher left out). The machine has 2 cores (200 %): the server"
            " needs one for the length of each event's pass over its clients, and the clients must read behind it."
            " When other work takes most of a core, the server and its clients wait for the CPU, and the open"
            " loop's latency is mostly that wait: read a p99 beside the `other CPU %` of its row.",
            "The realtime service runs with WS_IDLE_TIMEOUT_SECONDS=3600: the load clients send no application"
            " pings, and the clients of the smallest size stay connected for the whole scenario (minutes).",
        ],
        plots=_plots(runs, out),
    )


BARE = "bare websockets.broadcast"


def _targets(by: dict[tuple[str, int, str], Run], sizes: Sizes) -> list[list[str]]:
    rows = []
    for clients in sizes.clients:
        ours, bare = by.get(("waybill-realtime", clients, "closed")), by.get((BARE, clients, "closed"))
        if ours and bare and bare.delivered_per_second:
            ratio = ours.delivered_per_second / bare.delivered_per_second
            rows.append(
                [
                    f"fan-out delivered/s at {clients:,} clients ≥ 0.7x bare broadcast",
                    f"{ours.delivered_per_second:,.0f}/s vs {bare.delivered_per_second:,.0f}/s = {ratio:.2f}x",
                    "yes" if ratio >= 0.7 else "no",
                ]
            )
    middle = 5000 if 5000 in sizes.clients else sizes.clients[-1]
    if open_run := by.get(("waybill-realtime", middle, "open")):
        p99 = open_run.histogram.percentile(99)
        rows.append(
            [
                f"p99 ≤ 100 ms at {middle:,} clients, {sizes.deliveries_per_second:,} deliveries/s offered",
                f"p99 {p99:,.0f} ms, lost {open_run.lost}",
                "yes" if p99 <= 100 and open_run.lost == 0 else "no",
            ]
        )
    biggest = sizes.clients[-1]
    if idle := by.get(("waybill-realtime", biggest, "open")):
        rows.append(
            [
                f"{biggest:,} concurrent connections held, ≤ 20 KiB each idle",
                f"{biggest - idle.connect_failures:,} held, {idle.idle_kib_per_connection:.1f} KiB",
                "yes" if idle.connect_failures == 0 and idle.idle_kib_per_connection <= 20 else "no",
            ]
        )
    return rows


def _plots(runs: list[Run], out: Path) -> list[Path]:
    figure, (latency, throughput) = pyplot.subplots(1, 2, figsize=(11, 4.2))
    for target, colour in (("waybill-realtime", "#2b6cb0"), (BARE, "#718096")):
        opened = [r for r in runs if r.target == target and r.mode == "open"]
        closed = [r for r in runs if r.target == target and r.mode == "closed"]
        xs = [r.clients for r in opened]
        latency.plot(
            xs, [r.histogram.percentile(99) for r in opened], "o-", color=colour, label=f"{target} p99"
        )
        latency.plot(
            xs, [r.histogram.percentile(50) for r in opened], "o--", color=colour, label=f"{target} p50"
        )
        throughput.plot(
            [r.clients for r in closed],
            [r.delivered_per_second for r in closed],
            "o-",
            color=colour,
            label=target,
        )
    latency.set(xscale="log", yscale="log", xlabel="clients", ylabel="publish to receive (ms)")
    latency.set_title("Latency at a constant offered load")
    throughput.set(xscale="log", xlabel="clients", ylabel="delivered messages/s (closed loop)")
    throughput.set_title("Peak throughput against connections")
    for axis in (latency, throughput):
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    path = out / "fanout.png"
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return [path]
