from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "waybill_django.imports"
    label = "imports"
