"""Telemetry sender processes for ``ingest``: each prepares its batches once, then sends them closed loop, round after round.

Over HTTP (``POST /v1/telemetry``) or over one WebSocket (``position``
messages, each answered by a ``position_ack``); every position is new, no batch
is sent twice, across rounds too. The processes stay up between rounds, so the
scenario can interleave them with its ``COPY`` ceiling without paying a start
each time. Kept apart from ``ingest`` so that a spawned sender imports only
what it uses.

Over HTTP a sender is ``httpload``'s kind of client (decision 0007), not a
general HTTP library: each request is encoded once, and the answer is read by
``httpload.parse_response``. With httpx a sender spent about 2.8 ms of CPU per
batch of 1,000, as much as a third of what the service spent on it, on a
machine whose two cores the service and PostgreSQL need (decision 0217).
"""

import asyncio
import json
import multiprocessing
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing.connection import Connection as Pipe
from multiprocessing.process import BaseProcess
from typing import Final, NamedTuple
from urllib.parse import urlsplit

import httpload
import uvloop
import websockets
from histogram import Histogram

HTTP_BATCH: Final = 1000
WS_BATCH: Final = 250
HTTP_POSITIONS_PER_SENDER_SECOND: Final = 40_000
"""Prepared per sender and second of the run, more than one can send: a sender that runs out stops (never resends).

Four senders then measure up to 160,000/s, twice what one service process took (decision 0217)."""
WS_POSITIONS_PER_SENDER_SECOND: Final = 25_000
WS_BASE_OFFSET: Final = timedelta(seconds=50)
"""WebSocket positions start this long after the sender's HTTP ones (each sender has 100 s of its own)."""


def positions(vehicles: list[int], base: datetime, number_: int, size: int) -> str:
    """A JSON array of ``size`` positions, distinct across the batches of a base (JSON written by hand: cheap)."""
    items = []
    for index in range(size):
        step = number_ * size + index
        recorded_at = (base + timedelta(microseconds=step)).isoformat()
        items.append(
            f'{{"vehicle_id":{vehicles[step % len(vehicles)]},"recorded_at":"{recorded_at}",'
            f'"latitude":{51.5 + (step % 1000) / 10_000},"longitude":-0.12,"speed_kmh":40.0,"heading":90.0}}'
        )
    return "[" + ",".join(items) + "]"


@dataclass(frozen=True)
class Sender:
    url: str
    token: str
    vehicles: list[int]
    index: int
    http_seconds: float
    """Seconds of HTTP rounds over the whole run (warm-up included): how many batches to prepare."""
    ws_seconds: float


class Round(NamedTuple):
    """One round of every sender."""

    per_second: float
    """Positions stored (batches answered with all of them accepted) per second of the round."""
    positions: int
    seconds: float
    histogram: Histogram
    """Latency of each batch, in milliseconds."""
    failed: int
    sender_cpu_seconds: float
    """CPU the senders spent sending (their preparation excluded)."""


def _send(pipe: Pipe, sender: Sender) -> None:
    """A sender process: prepares its batches, then runs one round per ``(websocket, seconds)`` received."""
    # Senders' bases are 100 s apart; all are within the hour before now (neither too old nor in the future).
    base = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=sender.index * 100)
    url = urlsplit(sender.url)
    headers = {"Authorization": f"Bearer {sender.token}", "Content-Type": "application/json"}
    requests = [
        httpload.encode(
            httpload.Request("POST", "/v1/telemetry", f'{{"positions":{body}}}'.encode()), url.netloc, headers
        )
        for body in _bodies(sender, base, HTTP_BATCH, sender.http_seconds * HTTP_POSITIONS_PER_SENDER_SECOND)
    ]
    messages = _bodies(
        sender, base + WS_BASE_OFFSET, WS_BATCH, sender.ws_seconds * WS_POSITIONS_PER_SENDER_SECOND
    )
    pipe.send("ready")
    while (job := pipe.recv()) is not None:
        websocket, seconds = job
        started = time.process_time()
        if websocket:
            result = uvloop.run(_over_websocket(sender, messages, seconds))
        else:
            result = uvloop.run(_over_http(sender, requests, seconds))
        pipe.send({**result, "cpu": time.process_time() - started})


def _bodies(sender: Sender, base: datetime, size: int, positions_: float) -> list[str]:
    count = int(positions_) // size + 1
    return [positions(sender.vehicles, base, n, size) for n in range(count)]


async def _over_http(sender: Sender, requests: list[bytes], seconds: float) -> dict[str, object]:
    """Sends ``requests`` (each taken off the list: never sent twice) until ``seconds`` have passed."""
    histogram, ok, failed = Histogram(), 0, 0
    url = urlsplit(sender.url)
    loop = asyncio.get_running_loop()
    connection: httpload.Connection | None = None
    began = time.monotonic()
    deadline = began + seconds
    while requests and time.monotonic() < deadline:
        request = requests.pop(0)
        started = time.monotonic()
        try:
            if connection is None:
                _, connection = await loop.create_connection(
                    partial(httpload.Connection, keep_body=True), url.hostname or "127.0.0.1", url.port or 80
                )
            status, answer = (await connection.send(request, head_request=False)).status, connection.body
        except (OSError, httpload.MalformedResponse):
            failed += 1
            if connection is not None and connection.transport is not None:
                connection.transport.close()
            connection = None
            continue
        histogram.record((time.monotonic() - started) * 1000)
        if status == 200 and json.loads(answer)["accepted"] == HTTP_BATCH:
            ok += 1
        else:
            failed += 1
    elapsed = time.monotonic() - began
    if connection is not None and connection.transport is not None:
        connection.transport.close()
    return {"histogram": histogram.counts, "ok": ok * HTTP_BATCH, "failed": failed, "seconds": elapsed}


async def _over_websocket(sender: Sender, bodies: list[str], seconds: float) -> dict[str, object]:
    """Sends ``bodies`` (each taken off the list: never sent twice) until ``seconds`` have passed."""
    histogram, ok, failed = Histogram(), 0, 0
    uri = sender.url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(
        uri, additional_headers={"Authorization": f"Bearer {sender.token}"}, max_size=None
    ) as connection:
        assert json.loads(await connection.recv())["type"] == "ready"
        began = time.monotonic()
        deadline = began + seconds
        number_ = 0
        while bodies and time.monotonic() < deadline:
            started = time.monotonic()
            await connection.send(f'{{"type":"position","ref":"{number_}","positions":{bodies.pop(0)}}}')
            number_ += 1
            while True:  # the device is subscribed to nothing: the next frame is the answer
                answer = json.loads(await connection.recv())
                if answer["type"] in {"position_ack", "error"}:
                    break
            histogram.record((time.monotonic() - started) * 1000)
            if answer["type"] == "position_ack" and answer["result"]["accepted"] == WS_BATCH:
                ok += 1
            else:
                failed += 1
        elapsed = time.monotonic() - began
    return {"histogram": histogram.counts, "ok": ok * WS_BATCH, "failed": failed, "seconds": elapsed}


class Senders:
    """Sender processes, started and prepared once (``with``), for rounds over HTTP or WebSockets."""

    def __init__(self, senders: list[Sender]) -> None:
        self._senders = senders
        self._pipes: list[Pipe] = []
        self._processes: list[BaseProcess] = []

    def __enter__(self) -> "Senders":
        context = multiprocessing.get_context("spawn")
        for sender in self._senders:
            parent, child = context.Pipe()
            process = context.Process(target=_send, args=(child, sender), daemon=True)
            process.start()
            self._pipes.append(parent)
            self._processes.append(process)
        for pipe in self._pipes:
            assert pipe.recv() == "ready"
        return self

    def round(self, *, websocket: bool, seconds: float) -> Round:
        for pipe in self._pipes:
            pipe.send((websocket, seconds))
        histogram, stored, failed, elapsed, cpu = Histogram(), 0, 0, 0.0, 0.0
        for pipe in self._pipes:
            result = pipe.recv()
            histogram.merge(result["histogram"])
            stored += result["ok"]
            failed += result["failed"]
            elapsed = max(elapsed, result["seconds"])
            cpu += result["cpu"]
        return Round(stored / elapsed, stored, elapsed, histogram, failed, cpu)

    def __exit__(self, *_: object) -> None:
        for pipe in self._pipes:
            pipe.send(None)
        for process in self._processes:
            process.join(10)
