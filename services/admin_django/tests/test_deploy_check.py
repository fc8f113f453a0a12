import subprocess
import sys
from pathlib import Path


def test_the_deploy_checklist_passes_with_production_settings(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "waybill_django.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env={**production_env, "MEDIA_BUCKET": "", "MEDIA_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
