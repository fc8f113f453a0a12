"""One Lua script's calls from concurrent requests sent to Redis together, one pipeline per round trip.

Each call through redis-py costs a pool checkout (with the blocking pool: its lock, a timeout and,
once more requests are in flight than the pool has connections, a wait on its condition), retry and
observability wrappers, and a write and a read of its own. ``ScriptBatch`` queues the calls made while
a batch is on the wire and sends them as the next one: at one request in flight a batch is a single
call; under load it carries many, so the cost per call falls as concurrency rises instead of growing
with the pool's contention (``docs/telemetry-and-tracking.md``).
"""

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any, TypeAlias

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

Argument: TypeAlias = str | int
_Call: TypeAlias = tuple[Sequence[str], Sequence[Argument], "asyncio.Future[Any]"]


class ScriptBatch:
    def __init__(self, redis: "Redis", script: str) -> None:
        self._redis = redis
        self._script = script
        self._sha = hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
        self._queued: list[_Call] = []
        self._sending = False
        self._sender: asyncio.Task[None] | None = None
        """Held: the event loop keeps only a weak reference to a task."""

    async def __call__(self, *, keys: Sequence[str], args: Sequence[Argument]) -> Any:
        """The script's answer for ``keys`` and ``args``; raises what redis-py raises for it alone."""
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((keys, args, answer))
        if not self._sending:
            self._sending = True
            self._sender = asyncio.get_running_loop().create_task(self._send())
        return await answer

    async def _send(self) -> None:
        try:
            while self._queued:
                calls, self._queued = self._queued, []
                try:
                    await self._send_batch(calls)
                except Exception as error:  # noqa: BLE001 - every lookup waiting on the batch gets it instead of hanging
                    for *_, answer in calls:
                        if not answer.done():
                            answer.set_exception(error)
        finally:
            self._sending = False

    async def _send_batch(self, calls: list[_Call]) -> None:
        answers = await self._pipeline(calls, self._sha)
        if any(isinstance(answer, NoScriptError) for answer in answers):
            # A Redis that restarted or never saw the script: load it and send the batch again (the
            # script's effects happen only when it runs, so none of the refused calls counted anything).
            await self._redis.script_load(self._script)
            missing = [i for i, answer in enumerate(answers) if isinstance(answer, NoScriptError)]
            for i, answer in zip(
                missing, await self._pipeline([calls[i] for i in missing], self._sha), strict=True
            ):
                answers[i] = answer
        for (*_, future), answer in zip(calls, answers, strict=True):
            if future.done():  # its request was cancelled meanwhile
                continue
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    async def _pipeline(self, calls: list[_Call], sha: str) -> list[Any]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args, _ in calls:
                pipe.evalsha(sha, len(keys), *keys, *args)
            return list(await pipe.execute(raise_on_error=False))
