"""`make up` on other ports: the dashboard's Origin is admitted and emailed links point at it."""

import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from waybill_devstack import cli, stack
from waybill_devstack.polling import wait_until
from waybill_devstack.settings import DevSettings
from waybill_devstack.supervisor import ProcessGroup

READ_SITE_URL = "import django; from django.conf import settings; django.setup(); print(settings.SITE_URL)"


def test_up_with_django_on_18000_admits_its_origin_and_links_to_it(
    migrated_database_url: str,
    redis_url: str,
    processes: ProcessGroup,
    free_port: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    realtime_port = free_port()
    monkeypatch.setenv("DJANGO_PORT", "18000")
    monkeypatch.setenv("REALTIME_PORT", str(realtime_port))
    for derived in ("SITE_URL", "WS_ALLOWED_ORIGINS", "MEDIA_ROOT", "BIND_HOST"):
        monkeypatch.delenv(derived, raising=False)
    settings = DevSettings(_env_file=None)

    env = cli.up_environment(settings, stack.Backends(migrated_database_url, redis_url))

    processes.start("realtime", stack.realtime_command(), env=env)
    realtime_url = f"http://127.0.0.1:{realtime_port}"
    wait_until(partial(stack.is_ready, realtime_url), what=f"{realtime_url}/readyz", timeout=60)
    websocket_url = f"ws://127.0.0.1:{realtime_port}/ws"
    for dashboard in ("http://127.0.0.1:18000", "http://localhost:18000"):
        with connect(websocket_url, origin=Origin(dashboard)):
            pass  # the handshake is accepted; signing in is another test's story
    with (
        pytest.raises(InvalidStatus) as refused,
        connect(websocket_url, origin=Origin("http://127.0.0.1:8000")),
    ):
        pass
    assert refused.value.response.status_code == 403

    django = subprocess.run(
        [sys.executable, "-c", READ_SITE_URL],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert django.stdout.strip() == "http://localhost:18000"
    assert env["MEDIA_ROOT"] == str(settings.local_data_dir / "media")
