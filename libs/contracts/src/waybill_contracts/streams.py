"""How an event is appended to its organization's Redis Stream, for every service that writes one."""

from typing import Any, Final

from waybill_contracts.channels import ORG_STREAM_MAXLEN, STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.events import Event

XADD_OPTIONS: Final[dict[str, Any]] = {"maxlen": ORG_STREAM_MAXLEN, "approximate": True}
"""Bounded retention: about ``ORG_STREAM_MAXLEN`` entries per organization."""


def stream_entry(event: Event) -> tuple[str, dict[str, str]]:
    """The stream key and the entry's fields: ``XADD key fields **XADD_OPTIONS``."""
    return org_stream_key(event.organization_id), {STREAM_ENTRY_FIELD: event.model_dump_json()}
