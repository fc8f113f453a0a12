from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "waybill_django.fleet"
    label = "fleet"
