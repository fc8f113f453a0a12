"""The README's configuration table names every variable the services read (CODE-11)."""

import ast
import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from waybill_realtime.config import Settings
from waybill_worker.config import WorkerSettings

REPO = Path(__file__).parents[2]
README = REPO / "README.md"
# Django's settings read the environment through os.environ.get and their helpers required()/listed().
DJANGO_READERS = [
    *sorted((REPO / "services/admin_django/src/waybill_django/config/settings").glob("*.py")),
    REPO / "infra/docker/gunicorn.conf.py",
]
ENVIRONMENT_READS = {"os.environ.get", "required", "listed"}


def _table() -> set[str]:
    text = README.read_text()
    section = text[text.index("## Configuration") : text.index("## Repository layout")]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", section, flags=re.MULTILINE)) | set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", section)
    )


@pytest.mark.parametrize("settings", [Settings, WorkerSettings], ids=lambda cls: cls.__name__)
def test_every_setting_is_in_the_readme_table(settings: type[BaseSettings]) -> None:
    missing = sorted(name.upper() for name in settings.model_fields if name.upper() not in _table())
    assert not missing, f"add these to the README's configuration table: {missing}"


def _variables_read(module: Path) -> set[str]:
    """Names in ``os.environ.get("NAME", …)``, ``required("NAME")`` and ``listed("NAME", …)`` calls."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        if ast.unparse(node.func) in ENVIRONMENT_READS and isinstance(node.args[0].value, str):
            names.add(node.args[0].value)
    return names


def test_every_variable_django_reads_is_in_the_readme_table() -> None:
    read = set().union(*(_variables_read(module) for module in DJANGO_READERS))
    assert {"DATABASE_URL", "SECRET_KEY", "WEB_CONCURRENCY"} <= read, (
        "the collector no longer finds the reads"
    )
    missing = sorted(read - _table())
    assert not missing, f"add these to the README's configuration table: {missing}"
