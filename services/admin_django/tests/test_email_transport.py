"""Mail leaves through the transport EMAIL_URL names, to a real SMTP server on this machine."""

import subprocess
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from waybill_devstack.stack import BIN


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def plain_smtp(free_port: Callable[[], int]) -> Iterator[tuple[int, Inbox]]:
    """An SMTP server without TLS, like Mailpit in compose."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def send_test_email(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "waybill-django"), "sendtestemail", "dispatcher@customer.example.test"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_send_through_a_plain_smtp_server_with_smtp_plus_plain(
    production_env: dict[str, str], plain_smtp: tuple[int, Inbox], tmp_path: Path
) -> None:
    port, inbox = plain_smtp
    env = {**production_env, "MEDIA_BUCKET": "", "MEDIA_ROOT": str(tmp_path)}

    sent = send_test_email({**env, "EMAIL_URL": f"smtp+plain://127.0.0.1:{port}"})

    assert sent.returncode == 0, sent.stderr
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["dispatcher@customer.example.test"]
    assert envelope.mail_from == "no-reply@waybill.example.test"
    assert isinstance(envelope.content, bytes)
    assert message_from_bytes(envelope.content)["From"] == "Waybill <no-reply@waybill.example.test>"

    # smtp:// still insists on STARTTLS, which this server does not offer: nothing goes out in clear.
    refused = send_test_email({**env, "EMAIL_URL": f"smtp://127.0.0.1:{port}"})
    assert refused.returncode != 0
    assert "STARTTLS extension not supported" in refused.stderr
    assert len(inbox.envelopes) == 1
