from django.urls import path

from waybill_django.organizations import views

app_name = "invitations"
urlpatterns = [
    path("<str:token>/", views.invitation_respond, name="respond"),
]
