from django.urls import path

from waybill_django.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_new, name="create"),
]
