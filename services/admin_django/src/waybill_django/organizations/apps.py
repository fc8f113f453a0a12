from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "waybill_django.organizations"
    label = "organizations"
