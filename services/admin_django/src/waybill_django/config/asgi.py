"""The ASGI application, for serving Django's async views natively (``uvicorn waybill_django.config.asgi:application``)."""

import os

from django.core.asgi import get_asgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waybill_django.config.settings.production")

application = get_asgi_application()

# No persistent connections under ASGI, as Django's documentation advises: each request's database work
# runs in a thread of its own (sync_to_async), and a connection kept for CONN_MAX_AGE (60 s in the
# settings, for the WSGI processes) stays with the thread that opened it, one per request. 100
# concurrent lookups on two workers held about 200 and PostgreSQL refused everyone else ("too many
# clients already": make bench, django_tracking at concurrency 100).
for database in connections.settings.values():
    database["CONN_MAX_AGE"] = 0
