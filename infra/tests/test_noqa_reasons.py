"""Every ``# noqa`` says why the rule does not apply there (CODE-26)."""

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
BARE = re.compile(r"#\s*noqa(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?\s*$")


def test_no_noqa_without_a_reason() -> None:
    bare = []
    for top in ("libs", "services", "bench", "e2e", "infra"):
        for path in (ROOT / top).rglob("*.py"):
            if "/build/" in str(path) or "/migrations/" in str(path):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if BARE.search(line):
                    bare.append(f"{path.relative_to(ROOT)}:{number}")
    assert not bare, f"give each a reason (`# noqa: X123 - why`): {bare}"
