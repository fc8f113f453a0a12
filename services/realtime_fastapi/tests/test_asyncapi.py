"""The committed AsyncAPI document is the one the contracts generate, and the official parser accepts it."""

import shutil
import subprocess
from pathlib import Path

from waybill_realtime.asyncapi import render

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def test_the_committed_asyncapi_document_matches_the_contracts() -> None:
    assert DOCUMENT.read_text() == render(), (
        "docs/asyncapi.json is stale: run `python -m waybill_realtime.asyncapi > docs/asyncapi.json`"
    )


TOOLING = DOCUMENT.parent / "tooling"


def test_the_official_asyncapi_parser_accepts_the_document_without_error() -> None:
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm, "npm is needed to install @asyncapi/parser (Debian: apt-get install nodejs npm)"
    assert node, "Node.js is needed to run @asyncapi/parser (Debian: apt-get install nodejs npm)"
    if not (TOOLING / "node_modules" / "@asyncapi" / "parser").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TOOLING, check=True, capture_output=True)

    parsed = subprocess.run(
        [node, "validate-asyncapi.mjs", str(DOCUMENT)],
        cwd=TOOLING,
        capture_output=True,
        text=True,
        check=False,
    )

    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    assert "valid AsyncAPI 3.1.0, 1 channel(s), 2 operation(s)" in parsed.stdout
