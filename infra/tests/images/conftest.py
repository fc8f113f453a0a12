"""The built images, started as the dev overlay's rendered manifests declare them (`make test-images`).

Each container gets its command, the ConfigMap's variables and its Secret keys
from the manifests (docker-compose.yml is held to the same by
infra/tests/test_deployment_parity.py). The only values changed are this
machine's addresses, listed in MACHINE_ADDRESSES: the containers share the
host's network, so the ports are free ones and the public origin is the front
door's. Backends are `waybill-dev run`'s throwaway PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from waybill_devstack.containers import LONG_RUNNING, SERVICE_UID, Deployment, Pod, podman
from waybill_devstack.deployment import AppContainer, Manifest
from waybill_devstack.front_door import FrontDoor, ingress_rules
from waybill_devstack.polling import wait_until
from waybill_devstack.settings import REPO_ROOT
from waybill_devstack.sinks import SmtpSink, WebhookReceiver
from waybill_devstack.stack import free_port

IMAGE_TAG = os.environ.get("IMAGE_TAG", "local")
# Variables whose values name this machine's addresses rather than the deployment's.
MACHINE_ADDRESSES = {
    "DJANGO_PORT",
    "REALTIME_PORT",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "WS_ALLOWED_ORIGINS",
    "REALTIME_PUBLIC_URL",
    "SITE_URL",
}
# Added: the webhook receiver listens on loopback, which production refuses as a target (SSRF).
ADDED_FOR_THE_TEST = {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"}


def _backend(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests with `make test-images`.")
    return value


def container_env(
    spec: AppContainer, machine: dict[str, str], secret_values: dict[str, str]
) -> dict[str, str]:
    env = {key: machine.get(key, value) for key, value in spec.config.items()}
    env.update({key: secret_values[key] for key in spec.secret_keys})
    env.update(ADDED_FOR_THE_TEST)
    return env


@pytest.fixture(scope="session")
def dev_manifests(rendered: dict[str, list[Manifest]]) -> list[Manifest]:
    return rendered["dev"]


@pytest.fixture(scope="session")
def deployment(
    dev_manifests: list[Manifest], kubernetes_containers: dict[str, dict[str, AppContainer]]
) -> Iterator[Deployment]:
    if shutil.which("podman") is None:
        pytest.fail("podman is required: apt-get install podman runc (docs/deploy.md#images)")
    for image in ("waybill-django", "waybill-realtime", "waybill-worker"):
        if podman("image", "exists", f"{image}:{IMAGE_TAG}", check=False).returncode != 0:
            pytest.fail(f"{image}:{IMAGE_TAG} is not built: run `make images` first")
    specs = kubernetes_containers["dev"]
    front_port, django_port, realtime_port = free_port(), free_port(), free_port()
    front = FrontDoor(
        ingress_rules(dev_manifests),
        {"waybill-django": django_port, "waybill-realtime": realtime_port},
        front_port,
    )
    machine = {
        "DJANGO_PORT": str(django_port),
        "REALTIME_PORT": str(realtime_port),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": front.origin,
        "WS_ALLOWED_ORIGINS": front.origin,
        "REALTIME_PUBLIC_URL": front.origin,
        "SITE_URL": front.origin,
    }
    assert set(machine) == MACHINE_ADDRESSES
    smtp = SmtpSink(free_port())
    webhooks = WebhookReceiver(free_port())
    secret_values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": _backend("DATABASE_URL"),
        "REDIS_URL": _backend("REDIS_URL"),
        "EMAIL_URL": f"smtp+plain://127.0.0.1:{smtp.port}",
    }
    media_dir = Path(tempfile.mkdtemp(prefix="waybill-it-media-"))
    os.chown(media_dir, SERVICE_UID, SERVICE_UID)
    pod = Pod(tag=IMAGE_TAG, shared_dir=media_dir, log_dir=REPO_ROOT / ".local" / "test-images")
    env = {key: container_env(spec, machine, secret_values) for key, spec in specs.items()}
    deployed = Deployment(pod, specs, env, front, smtp, webhooks, secret_values["DATABASE_URL"], media_dir)
    try:
        with smtp.running(), webhooks.running(), front.running():
            migrated = pod.run_to_completion("migrate", specs["migrate"], env["migrate"])
            assert migrated.returncode == 0, (
                f"the migration Job failed:\n{migrated.stdout}\n{migrated.stderr}"
            )
            # An operator's one-off command, in the Job's container: the demo organization and its people.
            seeded = pod.run_to_completion(
                "seed", specs["migrate"], env["migrate"], command=["waybill-django", "seed_demo"]
            )
            assert seeded.returncode == 0, seeded.stderr
            for key in LONG_RUNNING:
                pod.start(key, specs[key], env[key])
            for key in LONG_RUNNING:
                readiness = specs[key].probes["readinessProbe"]

                def ready(key: str = key, readiness: dict[str, object] = readiness) -> bool:
                    assert pod.is_running(key), f"{key} exited:\n{pod.logs(key)[-3000:]}"
                    return deployed.probe_passes(key, readiness)

                wait_until(ready, what=f"{key}'s readiness probe", timeout=120, interval=1)
            yield deployed
    finally:
        pod.remove_all()
        shutil.rmtree(media_dir, ignore_errors=True)
