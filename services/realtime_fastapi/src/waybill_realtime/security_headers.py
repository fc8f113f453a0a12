"""Security headers on every HTTP response of the realtime service, its ``/docs`` page included.

The same baseline as Django's responses (``dashboard/security_headers.py`` and
Django's ``SecurityMiddleware``). The policy allows what the docs page needs and
nothing else: Swagger UI's script and stylesheet from this service's static
files, its icons as ``data:`` images, and requests to this service's API. No
inline script, no ``eval``, no frames, no other origin. JSON answers are not
rendered, so the same policy costs them nothing.
"""

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waybill_contracts.web_security import PERMISSIONS_POLICY

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HEADERS: Final = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# In production, as Django sends it: the service is reached through the TLS ingress, and a browser
# ignores the header on a plain-HTTP answer anyway.
HSTS: Final = (b"strict-transport-security", b"max-age=31536000; includeSubDomains; preload")


def security_headers(*, hsts: bool) -> tuple[tuple[bytes, bytes], ...]:
    """The headers every answer carries (``TrackingFastPath`` adds them itself, in front of this middleware)."""
    return (*HEADERS, HSTS) if hsts else HEADERS


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(header for header in self.headers if header[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
