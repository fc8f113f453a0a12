"""The address a request really came from, for per-client limits."""

from starlette.requests import HTTPConnection


def client_address(connection: HTTPConnection, *, trusted_proxy_count: int) -> str:
    """The client's address behind ``trusted_proxy_count`` proxies (``TRUSTED_PROXY_COUNT``).

    Each proxy appends the address it saw to X-Forwarded-For, so the client is
    the entry that many places from the right; anything further left was
    written by the client and is ignored. With no trusted proxy the header is
    ignored entirely and the peer is the client.
    """
    peer = connection.client.host if connection.client else "unknown"
    forwarded_for = connection.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if trusted_proxy_count <= 0 or len(hops) < trusted_proxy_count:
        return peer
    return hops[-trusted_proxy_count]
