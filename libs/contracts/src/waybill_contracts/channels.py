"""Names of Redis Streams and WebSocket channels.

An organization's events live in one Redis Stream; WebSocket clients name
the same thing as the channel ``org:<id>``.
"""

from typing import Final
from uuid import UUID

from waybill_contracts.ids import parse_id

STREAM_ENTRY_FIELD: Final = "event"
"""The one field of a stream entry: the event as JSON."""

ORG_STREAM_MAXLEN: Final = 10_000
"""Approximate number of entries kept per organization stream (XADD MAXLEN ~)."""


def org_stream_key(organization_id: int) -> str:
    return f"waybill:org:{organization_id}:events"


def org_channel(organization_id: int) -> str:
    return f"org:{organization_id}"


def channel_prefix(channel: str) -> str:
    """What kind of channel ``channel`` names (``org``, ``shipment``, ``job``, ``track``), well-formed or not."""
    return channel.partition(":")[0]


def _canonical_id(raw: str) -> int | None:
    """One spelling per channel: ``org:01`` is not a second name of ``org:1``."""
    if len(raw) > 1 and raw.startswith("0"):
        return None
    return parse_id(raw)


def parse_org_channel(channel: str) -> int | None:
    """The organization id of an ``org:<id>`` channel, or None if it is not one."""
    prefix, _, raw_id = channel.partition(":")
    return _canonical_id(raw_id) if prefix == "org" else None


SHIPMENT_CHANNEL_PREFIX: Final = "shipment"
JOB_CHANNEL_PREFIX: Final = "job"
TRACK_CHANNEL_PREFIX: Final = "track"


def track_channel(tracking_code: str) -> str:
    """The public view of one shipment, for anyone holding its tracking code (no sign-in)."""
    return f"{TRACK_CHANNEL_PREFIX}:{tracking_code}"


def parse_shipment_channel(channel: str) -> int | None:
    prefix, _, raw_id = channel.partition(":")
    return _canonical_id(raw_id) if prefix == SHIPMENT_CHANNEL_PREFIX else None


def parse_job_channel(channel: str) -> UUID | None:
    prefix, _, raw_id = channel.partition(":")
    if prefix != JOB_CHANNEL_PREFIX:
        return None
    try:
        job_id = UUID(raw_id)
    except ValueError:
        return None
    return job_id if str(job_id) == raw_id else None  # one spelling: lower case, with hyphens


def parse_track_channel(channel: str) -> str | None:
    """The tracking code of a ``track:<code>`` channel (URL-safe characters only), or None."""
    prefix, _, code = channel.partition(":")
    if prefix != TRACK_CHANNEL_PREFIX or not 0 < len(code) <= 32:
        return None
    if not all(char.isascii() and (char.isalnum() or char in "-_") for char in code):
        return None
    return code
