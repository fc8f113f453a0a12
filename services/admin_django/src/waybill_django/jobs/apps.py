from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "waybill_django.jobs"
    label = "jobs"
