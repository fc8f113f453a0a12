from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "waybill_django.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
