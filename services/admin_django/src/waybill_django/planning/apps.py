from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "waybill_django.planning"
    label = "planning"
