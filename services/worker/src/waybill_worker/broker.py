"""Kombu's Redis transport, with a channel that can still reach Redis while it is being closed.

When Redis goes away under a busy worker, Celery closes the broker connection,
which detaches the transport from its connection (``transport.client = None``),
and only then closes the task consumer's channel. Closing a channel hands its
unacknowledged messages back to Redis, for which it builds a new connection
pool from ``transport.client``: ``AttributeError: 'NoneType' object has no
attribute 'hostname'`` in ``restore_unacked_once``, which Celery treats as
unrecoverable, and the worker exits (kombu 5.7.0, the latest release, still
reads it there). The channel keeps the connection it was opened with and uses
it when the transport has lost its own, so the messages go back to the queue
and the worker reconnects as it does when idle.
"""

from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    def __init__(self, connection: Any, *args: Any, **kwargs: Any) -> None:
        self._opened_with = connection.client
        super().__init__(connection, *args, **kwargs)

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        transport = self.connection
        if transport.client is not None:
            return super()._connparams(asynchronous)  # type: ignore[misc,no-any-return]  # kombu: no types
        transport.client = self._opened_with
        try:
            return super()._connparams(asynchronous)  # type: ignore[misc,no-any-return]  # kombu: no types
        finally:
            transport.client = None


class Transport(redis.Transport):
    Channel = Channel
