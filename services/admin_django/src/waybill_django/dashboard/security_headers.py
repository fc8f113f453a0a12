"""Content-Security-Policy and Permissions-Policy on every response; signed-in pages are private.

Scripts and styles come only from this site's static files: no inline script,
no inline event handler, no ``eval`` (htmx is configured not to need it, see
the ``htmx-config`` meta tag), no inline ``<style>`` or ``style=`` attribute.
The page may connect to the realtime WebSocket and load map tiles, nothing else.
"""

from collections.abc import Callable
from typing import Final
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from waybill_contracts.web_security import PERMISSIONS_POLICY
from waybill_django.dashboard.conf import map_tile_url, realtime_websocket_url

# Social sign-in forms redirect to the provider after the POST; form-action covers that redirect.
_PROVIDER_ORIGINS: Final = {
    "github": "https://github.com",
    "google": "https://accounts.google.com",
}


# The driver's page scans parcel labels with the camera (label-scan.js); every other page keeps it off.
CAMERA_PERMISSIONS_POLICY: Final = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


def allow_camera(response: HttpResponse) -> HttpResponse:
    """``response`` with the camera allowed to this site's own page (the middleware keeps a set policy)."""
    response["Permissions-Policy"] = CAMERA_PERMISSIONS_POLICY
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(request: HttpRequest) -> str:
    # Leaflet's {s} subdomain placeholder becomes a wildcard host.
    tiles = _origin(map_tile_url().replace("{s}", "*"))
    providers = [
        _PROVIDER_ORIGINS[name] for name in settings.SOCIALACCOUNT_PROVIDERS if name in _PROVIDER_ORIGINS
    ]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", tiles],
        "connect-src": ["'self'", _origin(realtime_websocket_url(request))],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *providers],
    }
    return "; ".join(" ".join([name, *filter(None, sources)]) for name, sources in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A signed-in person's page is theirs: no shared cache keeps it, the browser asks again.
            response.setdefault("Cache-Control", "private, no-cache")
        return response
