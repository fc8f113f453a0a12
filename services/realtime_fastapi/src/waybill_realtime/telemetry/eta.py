"""ETA recomputation for the worker, enqueued by task name, at most once per shipment per window."""

import asyncio
import logging
import time
from collections.abc import Collection
from typing import Final

from celery import Celery
from redis.asyncio import Redis
from redis.exceptions import RedisError

from waybill_contracts.tasks import RECOMPUTE_ETA, TASK_QUEUES, EtaRecompute

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS: Final = 2.0
_PRUNE_AT: Final = 10_000


def debounce_key(shipment_id: int) -> str:
    return f"waybill:eta:debounce:{shipment_id}"


class EtaScheduler:
    """The first position of a shipment's vehicle in a window enqueues one recomputation, run at the window's end.

    Delaying it to the window's end lets it use the newest position of the window; the Redis key
    (``SET NX EX``) makes the window shared by every replica.
    """

    def __init__(self, redis: "Redis", broker_url: str, *, window_seconds: float) -> None:
        self._redis = redis
        self._window = window_seconds
        self._held: dict[int, float] = {}
        """Shipment id -> until when (monotonic) this replica's own key holds its window: no need to ask Redis.

        Every batch of a moving vehicle names its shipments; without this, each batch would send one
        ``SET NX`` per shipment (dozens a batch for a loaded van) only to learn that the window is taken.
        """
        self._celery = Celery("waybill-realtime-producer", broker=broker_url, set_as_current=False)
        self._celery.conf.broker_connection_timeout = BROKER_TIMEOUT_SECONDS
        self._celery.conf.broker_connection_retry = False

    async def schedule(self, shipment_ids: Collection[int]) -> None:
        now = time.monotonic()
        wanted = sorted(
            shipment_id for shipment_id in shipment_ids if self._held.get(shipment_id, 0.0) <= now
        )
        if not wanted:
            return
        window = max(1, round(self._window))
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for shipment_id in wanted:
                    pipe.set(debounce_key(shipment_id), "1", nx=True, ex=window)
                acquired = await pipe.execute()
        except RedisError:
            logger.warning("ETA debounce unavailable; skipping this round", exc_info=True)
            return
        due = [shipment_id for shipment_id, won in zip(wanted, acquired, strict=True) if won]
        if len(self._held) > _PRUNE_AT:
            self._held = {shipment_id: until for shipment_id, until in self._held.items() if until > now}
        # The key was set after ``now``, so it outlives ``now + window``; a window another replica won is
        # asked about again (when it ends is not known here).
        self._held.update(dict.fromkeys(due, now + window))
        if due:
            await asyncio.to_thread(self._enqueue, due)

    def _enqueue(self, shipment_ids: list[int]) -> None:
        for shipment_id in shipment_ids:
            try:
                self._celery.send_task(
                    RECOMPUTE_ETA,
                    kwargs=EtaRecompute(shipment_id=shipment_id).model_dump(mode="json"),
                    queue=TASK_QUEUES[RECOMPUTE_ETA],
                    countdown=self._window,
                    retry=False,
                )
            except Exception:  # the positions are stored; the next window enqueues again
                logger.warning("enqueueing the ETA of shipment %s failed", shipment_id, exc_info=True)

    def close(self) -> None:
        self._celery.close()
