from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "waybill_django.accounts"
    label = "accounts"

    def ready(self) -> None:
        from waybill_django.accounts.totp_replay import share_totp_replay_record

        share_totp_replay_record()
