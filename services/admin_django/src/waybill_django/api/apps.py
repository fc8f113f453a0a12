from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "waybill_django.api"
    label = "api"
