"""Django's one writer of organization streams (the outbox relay and job progress call it)."""

from waybill_contracts.events import Event
from waybill_contracts.streams import XADD_OPTIONS, stream_entry
from waybill_django.core.redis_client import get_redis


def stream_append(event: Event) -> str:
    """Append ``event`` to its organization's stream; returns the stream id."""
    key, fields = stream_entry(event)
    stream_id = get_redis().xadd(key, fields, **XADD_OPTIONS)  # type: ignore[arg-type]  # redis-py types fields loosely
    return stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)
