from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "waybill_django.notifications"
    label = "notifications"
