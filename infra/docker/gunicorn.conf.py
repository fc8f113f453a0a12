"""gunicorn's settings in the Django image, from the variables every Waybill service reads (README)."""

import gc
import os

from waybill_django.core import gazetteer

bind = [f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('DJANGO_PORT', '8000')}"]  # noqa: S104 - inside a container
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4
timeout = 30
# Below the pod's terminationGracePeriodSeconds (minus preStop), so in-flight requests finish on a rollout.
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# Worker heartbeat files go to the writable tmp mount; the root filesystem is read-only.
worker_tmp_dir = "/tmp"  # noqa: S108 - the container's tmpfs/emptyDir
# The control socket would live under $HOME, which the service user does not have.
control_socket_disable = True


def on_starting(server: object) -> None:
    """The gazetteer is loaded before the workers fork, so they share one copy of it."""
    gazetteer.load()
    gc.freeze()
