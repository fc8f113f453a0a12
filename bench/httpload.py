"""An HTTP load generator process: closed loop (``concurrency`` requests in flight) for a fixed time.

Requests cycle through a list prepared by the parent (method, path, body); the
answer's status is counted and its latency recorded in a histogram, which the
parent merges across processes (``closed_loop`` does both). The processes are
started once and kept, idle between runs, for every later run of the scenario
(each run opens its own connections): starting and importing a Python process
per run cost more than a second of a busy 2-core machine each time.
"""

import asyncio
import atexit
import contextlib
import itertools
import multiprocessing
import multiprocessing.process
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe

import httpx
from histogram import Histogram

CONNECTIONS_PER_LOADGEN = 500


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


def serve(pipe: Pipe) -> None:
    """A load-generator process: one closed-loop run per ``(base_url, requests, headers, concurrency, seconds)``
    received, its tally sent back; ``None`` ends it."""
    while (job := pipe.recv()) is not None:
        pipe.send(asyncio.run(_run(*job)))


async def _run(
    base_url: str, requests: list[Request], headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, object]:
    histogram = Histogram()
    statuses: dict[int, int] = {}
    errors = 0
    cycle = itertools.cycle(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=30) as client:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                request = next(cycle)
                started = time.monotonic()
                try:
                    response = await client.request(request.method, request.path, content=request.body)
                except httpx.HTTPError:
                    errors += 1
                    continue
                histogram.record((time.monotonic() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    return {"histogram": histogram.counts, "statuses": statuses, "errors": errors, "seconds": elapsed}


def closed_loop(
    url: str,
    requests: list[Request],
    concurrency: int,
    seconds: float,
    headers: dict[str, str],
    *,
    ok_status: int = 200,
) -> tuple[float, Histogram, int]:
    """``concurrency`` requests in flight for ``seconds`` from load-generator processes: answers/s, latency, errors.

    Two processes from a concurrency of 2 (so the load generator is not the first bottleneck), one more per
    ``CONNECTIONS_PER_LOADGEN`` connections, at most four.
    """
    count = 1 if concurrency < 2 else max(2, min(4, -(-concurrency // CONNECTIONS_PER_LOADGEN)))
    pipes = _load_generators(count)
    for index, pipe in enumerate(pipes):
        share = concurrency // count + (1 if index < concurrency % count else 0)
        pipe.send((url, requests, headers, share, seconds))
    histogram, ok, failed, elapsed = Histogram(), 0, 0, 0.0
    for pipe in pipes:
        result = pipe.recv()
        histogram.merge(result["histogram"])
        ok += result["statuses"].get(ok_status, 0)
        failed += result["errors"] + sum(n for status, n in result["statuses"].items() if status != ok_status)
        elapsed = max(elapsed, result["seconds"])
    return ok / elapsed, histogram, failed


_started: list[tuple[Pipe, multiprocessing.process.BaseProcess]] = []


def _load_generators(count: int) -> list[Pipe]:
    """The pipes of ``count`` load-generator processes, started on first use and kept for later runs."""
    context = multiprocessing.get_context("spawn")
    while len(_started) < count:
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(child,), daemon=True)
        process.start()
        _started.append((parent, process))
    return [pipe for pipe, _ in _started[:count]]


@atexit.register
def stop_load_generators() -> None:
    """End every kept load-generator process (also at exit; a scenario may call it when done)."""
    while _started:
        pipe, process = _started.pop()
        with contextlib.suppress(OSError):  # it ended already
            pipe.send(None)
        process.join(10)
