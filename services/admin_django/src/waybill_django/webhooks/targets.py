"""Refusing endpoint URLs that reach private networks (server-side request forgery).

The host is resolved once and the request goes to that address (with the
original Host header and TLS server name), so a DNS answer that changes
between the check and the connection cannot redirect it.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# NAT64 prefixes: a gateway turns them into the IPv4 address they embed (Python counts them as global).
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        if address in _NAT64_WELL_KNOWN:
            return _public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


class TargetRefused(Exception):
    """The URL is not one Waybill will send to."""


@dataclass(frozen=True)
class ResolvedTarget:
    url: str
    """The URL with its host replaced by the checked address."""
    host_header: str
    server_name: str


def check_url(url: str, *, https_443_only: bool = False) -> None:
    """Refuse what is not http(s) with a host; with ``https_443_only``, what is not https on port 443."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TargetRefused("The URL must be http:// or https:// with a host name.")
    try:
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"The URL's port is not a number from 1 to 65535: {error}") from error
    if https_443_only and (parts.scheme != "https" or port not in {None, 443}):
        raise TargetRefused(
            "The URL must be https:// on port 443: this deployment sends webhooks to nothing else."
        )


def resolve_target(url: str, *, allow_private: bool, https_443_only: bool = False) -> ResolvedTarget:
    """Resolve ``url``'s host and refuse it if any of its addresses is not public."""
    check_url(url, https_443_only=https_443_only)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise TargetRefused(f"{host} does not resolve: {error}") from error
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise TargetRefused(
                    f"{host} resolves to {address}, a private, loopback or link-local address."
                )
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return ResolvedTarget(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host_header=parts.netloc.rsplit("@", 1)[-1],
        server_name=host,
    )
