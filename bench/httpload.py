"""An HTTP load generator process: closed loop (``concurrency`` requests in flight) for a fixed time.

Requests cycle through a list prepared by the parent (method, path, body); the
answer's status is counted and its latency recorded in a histogram, which the
parent merges across processes (``closed_loop`` does both).
"""

import asyncio
import itertools
import multiprocessing
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


def serve(
    pipe: Pipe,
    base_url: str,
    requests: list[Request],
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
) -> None:
    pipe.send(asyncio.run(_run(base_url, requests, headers, concurrency, seconds)))


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
    context = multiprocessing.get_context("spawn")
    count = 1 if concurrency < 2 else max(2, min(4, -(-concurrency // CONNECTIONS_PER_LOADGEN)))
    pipes, processes = [], []
    for index in range(count):
        parent, child = context.Pipe()
        share = concurrency // count + (1 if index < concurrency % count else 0)
        process = context.Process(
            target=serve, args=(child, url, requests, headers, share, seconds), daemon=True
        )
        process.start()
        pipes.append(parent)
        processes.append(process)
    histogram, ok, failed, elapsed = Histogram(), 0, 0, 0.0
    for pipe, process in zip(pipes, processes, strict=True):
        result = pipe.recv()
        process.join(10)
        histogram.merge(result["histogram"])
        ok += result["statuses"].get(ok_status, 0)
        failed += result["errors"] + sum(n for status, n in result["statuses"].items() if status != ok_status)
        elapsed = max(elapsed, result["seconds"])
    return ok / elapsed, histogram, failed
