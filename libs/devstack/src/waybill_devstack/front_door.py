"""A front door on one public origin that routes like the Kubernetes Ingress.

The image tests put it where the ingress controller (or compose's Caddy)
stands: it reads only the request line and headers, picks the backend by the
Ingress's path rules, adds the X-Forwarded-* headers a proxy adds, and then
passes bytes both ways, so HTTP, uploads and WebSockets go through unchanged.
"""

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from waybill_devstack.background_server import BackgroundServer

Manifest = dict[str, Any]
MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Rule:
    path: str
    exact: bool
    backend: str
    """The Service's name."""

    def matches(self, path: str) -> bool:
        if self.exact:
            return path == self.path
        wanted = [part for part in self.path.split("/") if part]
        return path.split("/")[1 : len(wanted) + 1] == wanted


def ingress_rules(manifests: list[Manifest]) -> list[Rule]:
    """The path rules of every Ingress, longest first, as an ingress controller applies them."""
    rules = [
        Rule(path=path["path"], exact=path["pathType"] == "Exact", backend=path["backend"]["service"]["name"])
        for ingress in manifests
        if ingress["kind"] == "Ingress"
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    return sorted(rules, key=lambda rule: (not rule.exact, -len(rule.path)))


class FrontDoor:
    """Listens on 127.0.0.1:``port`` in a thread of its own; ``backends`` maps a Service name to a local port."""

    def __init__(self, rules: list[Rule], backends: dict[str, int], port: int) -> None:
        self.rules = rules
        self.backends = backends
        self.port = port
        self.routed: list[tuple[str, str]] = []
        """(path, Service) of every request, in order."""
        self._server = BackgroundServer(self._handle, port, "front-door")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def backend_for(self, path: str) -> str:
        for rule in self.rules:
            if rule.matches(path):
                return rule.backend
        raise LookupError(path)

    @contextlib.contextmanager
    def running(self) -> Iterator["FrontDoor"]:
        with self._server.running():
            yield self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
        path = request_line.split(" ")[1].split("?")[0]
        try:
            service = self.backend_for(path)
        except LookupError:
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.routed.append((path, service))
        headers = [line for line in lines if not line.lower().startswith(("x-forwarded-", "x-real-ip:"))]
        if not any(line.lower().startswith("upgrade:") for line in headers):
            # One request per connection, so every request is routed on its own path.
            headers = [line for line in headers if not line.lower().startswith("connection:")]
            headers.append("Connection: close")
        host = next(
            (line.split(":", 1)[1].strip() for line in headers if line.lower().startswith("host:")), ""
        )
        client = writer.get_extra_info("peername")[0]
        headers += [
            f"X-Forwarded-For: {client}",
            f"X-Real-IP: {client}",
            "X-Forwarded-Proto: http",
            f"X-Forwarded-Host: {host}",
        ]
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.backends[service]
            )
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        upstream_writer.write(("\r\n".join([request_line, *headers]) + "\r\n\r\n").encode("latin-1"))
        upload = asyncio.create_task(_pipe(reader, upstream_writer, half_close=True))
        try:
            await _pipe(upstream_reader, writer, half_close=False)
        finally:
            upload.cancel()
            await asyncio.gather(upload, return_exceptions=True)
            upstream_writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await upstream_writer.wait_closed()


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter, *, half_close: bool) -> None:
    try:
        while chunk := await source.read(65536):
            target.write(chunk)
            await target.drain()
        if half_close and target.can_write_eof():
            target.write_eof()
        else:
            target.close()
    except (ConnectionError, OSError):
        target.close()
