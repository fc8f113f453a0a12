from django.contrib import admin
from django.urls import include, path

from waybill_django.api.api import api
from waybill_django.health.views import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("organizations/", include("waybill_django.organizations.urls")),
    path("invitations/", include("waybill_django.organizations.invitation_urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("", include("waybill_django.dashboard.urls")),
]
