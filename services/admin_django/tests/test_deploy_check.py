import os
import secrets
import subprocess
import sys


def test_the_deploy_checklist_passes_with_production_settings() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_URL": "smtp://mailer:pw@smtp.example.test:587",
        "ALLOWED_HOSTS": "waybill.example.test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "waybill_django.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
