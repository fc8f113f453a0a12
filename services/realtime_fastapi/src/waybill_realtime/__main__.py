"""``waybill-realtime``: serve the app with uvicorn, bound as the settings say."""

import gc
import importlib
import resource

import uvicorn

from waybill_realtime.config import get_settings
from waybill_realtime.logs import log_config
from waybill_realtime.websocket.direct import DirectWebSocketProtocol


def raise_open_files_limit() -> None:
    """One file descriptor per WebSocket: allow as many as the hard limit does (often 1,024 by default)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def freeze_startup_objects() -> None:
    """Move every object alive now (modules, the app, its schemas and validators) out of the collector's reach.

    They live as long as the process, yet each full collection would scan them all again: with an ingest
    that allocates thousands of objects per batch, they were over a quarter of its busy time (decision 0217).
    The collector still runs, over what was allocated since.
    """
    importlib.import_module("waybill_realtime.main")  # builds the app, frozen too; uvicorn finds it imported
    gc.collect()
    gc.freeze()


def main() -> None:
    raise_open_files_limit()
    settings = get_settings()
    freeze_startup_objects()
    uvicorn.run(
        "waybill_realtime.main:app",
        host=settings.bind_host,
        port=settings.realtime_port,
        # Sans-I/O protocol with direct frame writes for fan-out (websocket/direct.py); no permessage-deflate,
        # so one encoded frame serves every client and an idle connection holds no zlib buffers.
        ws=DirectWebSocketProtocol,
        ws_per_message_deflate=False,
        ws_max_size=settings.ws_max_message_bytes,
        # Protocol-level pings find dead TCP connections; the idle timeout needs application pings.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # Client addresses come from client_address() with TRUSTED_PROXY_COUNT, not from uvicorn,
        # which would take any X-Forwarded-For from a trusted peer at its word.
        proxy_headers=False,
        access_log=False,  # RequestIdMiddleware logs each request, with its id
        log_config=log_config(settings.log_level),
    )


if __name__ == "__main__":
    main()
