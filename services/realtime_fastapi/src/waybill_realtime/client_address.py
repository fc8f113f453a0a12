"""The address a request really came from, for per-client limits."""

from starlette.requests import HTTPConnection
from starlette.types import Scope

_FORWARDED_FOR = b"x-forwarded-for"


def client_address(connection: HTTPConnection, *, trusted_proxy_count: int) -> str:
    """The client's address behind ``trusted_proxy_count`` proxies (``TRUSTED_PROXY_COUNT``).

    Each proxy appends the address it saw to X-Forwarded-For, so the client is
    the entry that many places from the right; anything further left was
    written by the client and is ignored. With no trusted proxy the header is
    ignored entirely and the peer is the client.
    """
    return scope_client_address(connection.scope, trusted_proxy_count=trusted_proxy_count)


def scope_client_address(scope: Scope, *, trusted_proxy_count: int) -> str:
    """``client_address`` of an ASGI scope, without building a request object (the tracking fast path)."""
    client = scope.get("client")
    peer: str = client[0] if client else "unknown"
    if trusted_proxy_count <= 0:
        return peer
    forwarded_for = next(
        (value.decode("latin-1") for name, value in scope["headers"] if name == _FORWARDED_FOR), ""
    )  # the first one, as Starlette's headers answer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxy_count:
        return peer
    return hops[-trusted_proxy_count]
