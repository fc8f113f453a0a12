"""The ASGI application, for serving Django's async views natively (``uvicorn waybill_django.config.asgi:application``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waybill_django.config.settings.production")

application = get_asgi_application()
