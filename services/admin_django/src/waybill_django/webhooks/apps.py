from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "waybill_django.webhooks"
    label = "webhooks"
