"""Names of Redis Streams and WebSocket channels.

An organization's events live in one Redis Stream; WebSocket clients name
the same thing as the channel ``org:<id>``.
"""

from typing import Final

STREAM_ENTRY_FIELD: Final = "event"
"""The one field of a stream entry: the event as JSON."""

ORG_STREAM_MAXLEN: Final = 10_000
"""Approximate number of entries kept per organization stream (XADD MAXLEN ~)."""


def org_stream_key(organization_id: int) -> str:
    return f"waybill:org:{organization_id}:events"


def org_channel(organization_id: int) -> str:
    return f"org:{organization_id}"


def parse_org_channel(channel: str) -> int | None:
    """The organization id of an ``org:<id>`` channel, or None if it is not one."""
    prefix, _, raw_id = channel.partition(":")
    if prefix != "org" or not raw_id.isdigit():
        return None
    return int(raw_id)
