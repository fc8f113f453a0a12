from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "waybill_django.audit"
    label = "audit"
