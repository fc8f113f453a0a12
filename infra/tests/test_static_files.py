"""The Django image's collectstatic step, with the production (manifest) storage, succeeds on the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_collectstatic_with_the_manifest_storage_finds_every_referenced_file(tmp_path: Path) -> None:
    # The variables the Dockerfile's collectstatic step sets: placeholders that reach no server.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.production",
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECRET_KEY": "collectstatic-placeholder-used-only-while-building-the-image",
        "DATABASE_URL": "postgres://build@localhost/build",
        "REDIS_URL": "redis://localhost:6379/0",
        "EMAIL_URL": "smtp://localhost:25",
        "DEFAULT_FROM_EMAIL": "build@localhost",
        "SITE_URL": "http://localhost",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("MEDIA_BUCKET", None)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "waybill-django"), "collectstatic", "--no-input"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    paths = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    hashed = paths["dashboard/vendor/leaflet/leaflet.js"]
    # The source map the script names is collected, and the script points at its hashed copy.
    assert "dashboard/vendor/leaflet/leaflet.js.map" in paths
    script = (tmp_path / "static" / hashed).read_text()
    assert f"sourceMappingURL={Path(paths['dashboard/vendor/leaflet/leaflet.js.map']).name}" in script
