"""What the dashboard reads from the settings, in one place."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def map_tile_url() -> str:
    """A Leaflet tile URL template (``https://tile.example/{z}/{x}/{y}.png``); empty: no tiles, the map still works."""
    return str(settings.MAP_TILE_URL)


def map_tile_attribution() -> str:
    return str(settings.MAP_TILE_ATTRIBUTION)


def realtime_websocket_url(request: HttpRequest) -> str:
    """Where the browser opens the realtime WebSocket.

    ``REALTIME_PUBLIC_URL`` when the realtime service has its own public
    address; otherwise the page's host on ``REALTIME_PORT``, which is how
    ``make up`` and the tests run it.
    """
    scheme = "wss" if request.is_secure() else "ws"
    if settings.REALTIME_PUBLIC_URL:
        parts = urlsplit(settings.REALTIME_PUBLIC_URL)
        return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path}/ws"
    host = request.get_host()
    hostname = host if host.endswith("]") else host.rsplit(":", 1)[0]
    return f"{scheme}://{hostname}:{settings.REALTIME_PORT}/ws"
