"""The README's configuration table names every setting of the realtime service and the worker (CODE-11, part)."""

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from waybill_realtime.config import Settings
from waybill_worker.config import WorkerSettings

README = Path(__file__).parents[2] / "README.md"


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
