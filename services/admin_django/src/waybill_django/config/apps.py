from django.contrib.admin.apps import AdminConfig


class WaybillAdminConfig(AdminConfig):
    default_site = "waybill_django.config.admin_site.WaybillAdminSite"
