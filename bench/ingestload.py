"""Telemetry sender processes for ``ingest``: each prepares its batches, then sends them closed loop.

Over HTTP (``POST /v1/telemetry``) or over one WebSocket (``position``
messages, each answered by a ``position_ack``); every position is new, no batch
is sent twice. Kept apart from ``ingest`` so that a spawned sender imports
only what it uses.
"""

import asyncio
import json
import multiprocessing
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection as Pipe
from typing import Final

import httpx
import websockets
from histogram import Histogram

HTTP_BATCH: Final = 1000
WS_BATCH: Final = 250
POSITIONS_PER_SENDER_SECOND: Final = 20_000
"""Prepared per sender and second of the run, more than one can send: a sender that runs out stops (never resends)."""


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
    seconds: float
    websocket: bool


def _send(pipe: Pipe, sender: Sender) -> None:
    """A sender process: prepares its batches, waits for the start, then sends them one after the other."""
    size = WS_BATCH if sender.websocket else HTTP_BATCH
    count = int(sender.seconds * POSITIONS_PER_SENDER_SECOND) // size + 1
    # Senders' bases are 100 s apart; all are within the hour before now (neither too old nor in the future).
    base = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=sender.index * 100)
    bodies = [positions(sender.vehicles, base, n, size) for n in range(count)]
    pipe.send("ready")
    pipe.recv()
    run = _over_websocket if sender.websocket else _over_http
    pipe.send(asyncio.run(run(sender, bodies)))


async def _over_http(sender: Sender, bodies: list[str]) -> dict[str, object]:
    histogram, ok, failed = Histogram(), 0, 0
    headers = {"Authorization": f"Bearer {sender.token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=sender.url, headers=headers, timeout=30) as client:
        began = time.monotonic()
        deadline = began + sender.seconds
        for body in bodies:
            if time.monotonic() >= deadline:
                break
            started = time.monotonic()
            try:
                response = await client.post("/v1/telemetry", content=f'{{"positions":{body}}}')
            except httpx.HTTPError:
                failed += 1
                continue
            histogram.record((time.monotonic() - started) * 1000)
            if response.status_code == 200 and response.json()["accepted"] == HTTP_BATCH:
                ok += 1
            else:
                failed += 1
        elapsed = time.monotonic() - began
    return {"histogram": histogram.counts, "ok": ok * HTTP_BATCH, "failed": failed, "seconds": elapsed}


async def _over_websocket(sender: Sender, bodies: list[str]) -> dict[str, object]:
    histogram, ok, failed = Histogram(), 0, 0
    uri = sender.url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(
        uri, additional_headers={"Authorization": f"Bearer {sender.token}"}, max_size=None
    ) as connection:
        assert json.loads(await connection.recv())["type"] == "ready"
        began = time.monotonic()
        deadline = began + sender.seconds
        for number_, body in enumerate(bodies):
            if time.monotonic() >= deadline:
                break
            started = time.monotonic()
            await connection.send(f'{{"type":"position","ref":"{number_}","positions":{body}}}')
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


def run_senders(senders: list[Sender]) -> tuple[float, Histogram, int]:
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for sender in senders:
        parent, child = context.Pipe()
        process = context.Process(target=_send, args=(child, sender), daemon=True)
        process.start()
        pipes.append(parent)
        processes.append(process)
    for pipe in pipes:
        assert pipe.recv() == "ready"
    for pipe in pipes:
        pipe.send("go")
    histogram, stored, failed, elapsed = Histogram(), 0, 0, 0.0
    for pipe, process in zip(pipes, processes, strict=True):
        result = pipe.recv()
        process.join(10)
        histogram.merge(result["histogram"])
        stored += result["ok"]
        failed += result["failed"]
        elapsed = max(elapsed, result["seconds"])
    return stored / elapsed, histogram, failed
