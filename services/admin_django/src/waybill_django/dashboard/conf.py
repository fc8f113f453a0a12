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
    address; else the page's host on ``REALTIME_BROWSER_PORT`` (how ``make up``
    and the tests run it); with no port (production), the page's own origin,
    whose ``/ws`` the Ingress routes to the realtime service.
    """
    scheme = "wss" if request.is_secure() else "ws"
    if settings.REALTIME_PUBLIC_URL:
        parts = urlsplit(settings.REALTIME_PUBLIC_URL)
        return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path}/ws"
    host = request.get_host()
    if settings.REALTIME_BROWSER_PORT is None:
        return f"{scheme}://{host}/ws"
    hostname = host if host.endswith("]") else host.rsplit(":", 1)[0]
    return f"{scheme}://{hostname}:{settings.REALTIME_BROWSER_PORT}/ws"
