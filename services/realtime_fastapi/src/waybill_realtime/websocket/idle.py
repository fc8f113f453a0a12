"""The idle timeout of detached connections: one periodic pass over them, not a timer per connection.

A connection silent for ``timeout`` seconds is closed within ``timeout`` plus one
pass interval (a quarter of the timeout, at most a second). The pass runs only
while some connection is watched (decision 0204).
"""

import asyncio
import logging
from typing import Final, Protocol

logger = logging.getLogger(__name__)

MAX_INTERVAL_SECONDS: Final = 1.0


class Silent(Protocol):
    last_heard: float
    """Loop time of the last message received."""

    def idle(self) -> None:
        """Close the connection: it has been silent too long."""


class IdleSweep:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._interval = min(MAX_INTERVAL_SECONDS, timeout / 4)
        self._watched: set[Silent] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, connection: Silent) -> None:
        self._watched.add(connection)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ws-idle-sweep")

    def discard(self, connection: Silent) -> None:
        self._watched.discard(connection)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._watched:
                await asyncio.sleep(self._interval)
                silent_since = loop.time() - self._timeout
                for connection in [c for c in self._watched if c.last_heard < silent_since]:
                    self._watched.discard(connection)
                    try:
                        connection.idle()
                    except Exception:
                        logger.exception("closing an idle connection failed")
        finally:
            self._task = None
