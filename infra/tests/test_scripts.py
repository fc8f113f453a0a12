"""The helper scripts are valid bash, executable, and stop at the first error."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "scripts").glob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_strict_executable_bash(script: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    assert script.stat().st_mode & 0o111, f"{script.name} is not executable"
    assert "set -euo pipefail" in script.read_text()
    result = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


FAKE_KUBECTL = """#!/usr/bin/env bash
# Answers deploy.sh as a cluster whose migration Job has failed.
echo "$*" >> "$KUBECTL_LOG"
case "$*" in
  kustomize*) echo "apiVersion: v1" ;;
  *"get job/waybill-migrate"*) printf 'Failed ' ;;
  *"logs job/waybill-migrate"*) echo "django.db.utils.ProgrammingError: the migration broke" ;;
esac
"""


def test_deploy_stops_at_once_when_the_migration_job_fails(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    log = tmp_path / "kubectl.log"
    script = Path(__file__).resolve().parents[1] / "scripts" / "deploy.sh"
    result = subprocess.run(
        [str(script), "dev", "test-release"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBECTL_LOG": str(log)},
    )
    assert result.returncode != 0
    assert "the migration Job failed" in result.stderr
    assert "the migration broke" in result.stderr
    calls = log.read_text().splitlines()
    # Nothing but the configuration and the Job was applied, and no rollout was waited for.
    assert not any(call.startswith("apply -f") and "--selector" not in call for call in calls), calls
    assert not any("rollout" in call for call in calls), calls
