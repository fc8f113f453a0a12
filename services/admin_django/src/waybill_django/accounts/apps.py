from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "waybill_django.accounts"
    label = "accounts"
