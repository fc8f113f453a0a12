"""The documented pattern for text that must not be blank refuses exactly what the API refuses.

A JSON Schema pattern is an ECMA 262 regular expression: it is checked here
by JavaScript's own engine, because Python's ``re`` reads ``\\s`` differently
(U+001C-U+001F and U+0085 are space to Python, not to ECMA 262), and the
contract test found a client following the document refused for it.
"""

import json
import shutil
import subprocess

import pytest
from pydantic import TypeAdapter, ValidationError

from waybill_django.api.input import BLANK_CHARACTERS, NOT_BLANK_PATTERN, NonBlankText

SAMPLES = [*sorted(BLANK_CHARACTERS), "", "a", " a ", "\x1ca", "\ufeffa", "\u200b", "Ada"]


def _accepted_by_the_api(text: str) -> bool:
    try:
        TypeAdapter(NonBlankText).validate_python(text)
    except ValidationError:
        return False
    return True


def test_javascript_reads_the_pattern_as_the_api_validates() -> None:
    node = shutil.which("node")
    assert node, (
        "Node.js is needed to read the pattern as a JSON Schema validator does (apt-get install nodejs)"
    )
    script = (
        "const [pattern, samples] = JSON.parse(process.argv[1]);"
        "const re = new RegExp(pattern, 'u');"
        "console.log(JSON.stringify(samples.map((s) => re.test(s))));"
    )
    matched = subprocess.run(
        [node, "-e", script, json.dumps([NOT_BLANK_PATTERN, SAMPLES])],
        capture_output=True,
        text=True,
        check=True,
    )

    by_javascript = dict(zip(SAMPLES, json.loads(matched.stdout), strict=True))
    by_the_api = {sample: _accepted_by_the_api(sample) for sample in SAMPLES}
    assert by_javascript == by_the_api


@pytest.mark.parametrize("text", ["\x1c", "\x1f \x85", "\ufeff", "\u2003\t"])
def test_text_of_blank_characters_only_is_refused(text: str) -> None:
    assert not _accepted_by_the_api(text)
