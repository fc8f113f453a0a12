from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "waybill_django.demo"
    label = "demo"
