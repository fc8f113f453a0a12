from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "waybill_django.reports"
    label = "reports"
