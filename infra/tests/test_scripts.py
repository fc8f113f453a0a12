"""The helper scripts are valid bash, executable, and stop at the first error."""

from __future__ import annotations

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
