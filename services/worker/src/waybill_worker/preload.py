"""Read-only tables loaded once in the worker's main process, before it forks its pool.

The prefork children then share the parent's pages instead of each loading
its own copy on its first address (the gazetteer is about 60 MB per process).
``gc.freeze()`` keeps the children's garbage collector from touching, and so
copying, those objects.
"""

import gc
from typing import Any

from celery import signals

from waybill_django.core import gazetteer


@signals.worker_init.connect
def load_shared_tables(**_: Any) -> None:
    gazetteer.load()
    gc.freeze()
