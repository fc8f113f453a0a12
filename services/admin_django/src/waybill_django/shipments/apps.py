from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "waybill_django.shipments"
    label = "shipments"
