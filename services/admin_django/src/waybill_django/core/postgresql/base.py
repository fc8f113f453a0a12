"""Django's PostgreSQL backend, failing at once for a moment after a connection attempt failed.

A request that cannot reach the database would otherwise try again for every
query it, its middleware and its error page make, each waiting the whole
connect timeout; and every other request would wait too. After a failed
attempt, new connections of this process fail immediately for
``RECONNECT_PAUSE_SECONDS``, so while PostgreSQL is down or frozen requests
answer 503 at once (``core/database_deadline.py``), and one attempt a pause
finds it again when it is back. The health check of a reused connection
waits no longer than a query of a request.
"""

import threading
import time
from typing import Any

import psycopg
from django.db.backends.postgresql import base

from waybill_django.core.database_deadline import database_deadline

RECONNECT_PAUSE_SECONDS = 1.0

_lock = threading.Lock()
_failed_until = 0.0


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        global _failed_until  # one state per process, shared by its threads
        if time.monotonic() < _failed_until:
            raise psycopg.OperationalError("PostgreSQL was unreachable a moment ago; not trying again yet")
        try:
            return super().get_new_connection(conn_params)
        except psycopg.OperationalError:
            with _lock:
                _failed_until = time.monotonic() + RECONNECT_PAUSE_SECONDS
            raise

    def is_usable(self) -> bool:
        # The health check of a reused connection runs before any middleware: bound it here.
        with database_deadline(self):
            return bool(super().is_usable())
