"""Local stand-ins for what a deployment talks to outside: a mail server and a webhook receiver.

Both listen on 127.0.0.1 in a thread of their own and keep what they received.
The SMTP sink speaks plain SMTP (no STARTTLS, no authentication), as Mailpit
does in docker-compose.yml (``EMAIL_URL=smtp+plain://host:port``).
"""

import asyncio
import contextlib
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from waybill_devstack.background_server import BackgroundServer


class SmtpSink:
    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self._server = BackgroundServer(self._session, port, "smtp-sink")

    @contextlib.contextmanager
    def running(self) -> Iterator["SmtpSink"]:
        with self._server.running():
            yield self

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 waybill-test-sink ESMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in {b"EHLO", b"HELO"}:
                writer.write(b"250 waybill-test-sink\r\n")
            elif verb == b"DATA":
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                self.messages.append(await self._read_message(reader))
                writer.write(b"250 OK: queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 Bye\r\n")
                break
            else:  # MAIL, RCPT, RSET, NOOP
                writer.write(b"250 OK\r\n")
            await writer.drain()

    @staticmethod
    async def _read_message(reader: asyncio.StreamReader) -> EmailMessage:
        lines = []
        while (line := await reader.readline()) not in {b".\r\n", b""}:
            lines.append(line[1:] if line.startswith(b"..") else line)
        message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """Answers every POST with 204 and records it."""

    def __init__(self, port: int) -> None:
        self.requests: list[ReceivedRequest] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(
                    ReceivedRequest(
                        path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body
                    )
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads ``requests``."""

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/hooks/waybill"

    @contextlib.contextmanager
    def running(self) -> Iterator["WebhookReceiver"]:
        thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(10)
