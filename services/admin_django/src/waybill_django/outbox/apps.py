from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "waybill_django.outbox"
    label = "outbox"
