"""The committed AsyncAPI document is the one the contracts generate."""

from pathlib import Path

from waybill_realtime.asyncapi import render

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def test_the_committed_asyncapi_document_matches_the_contracts() -> None:
    assert DOCUMENT.read_text() == render(), (
        "docs/asyncapi.json is stale: run `python -m waybill_realtime.asyncapi > docs/asyncapi.json`"
    )
