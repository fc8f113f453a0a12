"""An HTTP load generator process: closed loop (``concurrency`` requests in flight) for a fixed time.

Requests cycle through a list prepared by the parent (method, path, body); the
answer's status is counted and its latency recorded in a histogram, which the
parent merges across processes.
"""

import asyncio
import itertools
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe

import httpx
from histogram import Histogram


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
