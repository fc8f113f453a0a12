from django.contrib import admin
from django.urls import path

from waybill_django.health.views import healthz, readyz

admin.site.site_header = "Waybill back office"
admin.site.site_title = "Waybill"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
