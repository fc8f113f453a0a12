"""``TrackingFastPath`` in front of the middleware stack: what the stack adds to every answer, it adds itself."""

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from waybill_realtime.ratelimit import Verdict
from waybill_realtime.routes.tracking import TrackingFastPath
from waybill_realtime.security_headers import CONTENT_SECURITY_POLICY, HSTS


class Limit:
    """The tracking limit's ``hit``, answering or raising as a test says."""

    def __init__(self, outcome: Verdict | Exception) -> None:
        self.outcome = outcome

    async def hit(self, client: str, *, limit: int) -> Verdict:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def fast_path(limit: Limit, *, hsts: bool = False) -> tuple[TrackingFastPath, list[Scope]]:
    """The fast path in front of an app that records what reaches it, over resources with ``limit``."""
    reached: list[Scope] = []

    async def stack(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    owner = Starlette()
    settings = SimpleNamespace(
        track_rate_limit_per_minute=60,
        track_projection_ttl_seconds=0,
        trusted_proxy_count=0,
        track_cache_seconds=5,
    )
    owner.state.resources = SimpleNamespace(settings=settings, track_limit=limit, tracking=None)
    return TrackingFastPath(stack, owner=owner, retry_after_seconds=7, hsts=hsts), reached


async def call(
    app: Any, method: str, path: str, *, request_id: str = "req-7", sent: list[Message] | None = None
) -> list[Message]:
    """What ``app`` sends for the request (also in ``sent`` when given, which outlives a raise)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"host", b"test"), (b"x-request-id", request_id.encode())],
        "client": ("192.0.2.1", 50000),
    }
    sent = [] if sent is None else sent

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def headers(start: Message) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in start["headers"]}


async def test_an_unexpected_failure_answers_500_with_the_request_id_and_security_headers_and_is_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, reached = fast_path(Limit(RuntimeError("a bug")))
    sent: list[Message] = []
    caplog.set_level(logging.INFO, logger="waybill_realtime.access")

    with pytest.raises(RuntimeError, match="a bug"):  # for the server's log, as ServerErrorMiddleware does
        await call(app, "GET", "/v1/track/some-code", sent=sent)

    start, body = sent
    assert start["status"] == 500
    assert body["body"] == b"Internal Server Error"
    assert headers(start)["x-request-id"] == "req-7"
    assert headers(start)["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert reached == []
    (logged,) = [record for record in caplog.records if record.name == "waybill_realtime.access"]
    assert logged.fields == {  # type: ignore[attr-defined]  # set through ``extra``
        "method": "GET",
        "path": "/v1/track/some-code",
        "status": 500,
        "duration_ms": logged.fields["duration_ms"],  # type: ignore[attr-defined]
    }


async def test_a_backend_away_answers_503_with_retry_after_the_request_id_and_security_headers() -> None:
    app, _ = fast_path(Limit(OSError("connection refused")), hsts=True)

    start, _body = await call(app, "GET", "/v1/track/some-code")

    assert start["status"] == 503
    assert headers(start)["retry-after"] == "7"
    assert headers(start)["cache-control"] == "no-store"
    assert headers(start)["x-request-id"] == "req-7"
    assert headers(start)["x-content-type-options"] == "nosniff"
    assert headers(start)[HSTS[0].decode()] == HSTS[1].decode()


async def test_a_refused_lookup_carries_each_header_once_and_a_made_up_id_for_an_insane_one() -> None:
    app, _ = fast_path(Limit(Verdict(False, 12)))

    start, body = await call(app, "GET", "/v1/track/some-code", request_id="not sane!")

    names = [name for name, _ in start["headers"]]
    assert start["status"] == 429
    assert len(names) == len(set(names))
    assert headers(start)["retry-after"] == "12"
    assert headers(start)["content-length"] == str(len(body["body"]))
    assert len(headers(start)["x-request-id"]) == 32
    assert headers(start)["x-request-id"] != "not sane!"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/track/some-code"), ("GET", "/v1/track/"), ("GET", "/v1/track/a/b"), ("GET", "/")],
)
async def test_what_is_not_a_lookup_goes_to_the_stack_untouched(method: str, path: str) -> None:
    app, reached = fast_path(Limit(RuntimeError("not called")))

    start, _body = await call(app, method, path)

    assert [scope["path"] for scope in reached] == [path]
    assert start == {"type": "http.response.start", "status": 204, "headers": []}
