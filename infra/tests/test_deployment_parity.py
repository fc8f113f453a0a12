"""docker-compose.yml and the Kubernetes overlays start the application the same way.

The image tests (infra/tests/images, `make test-images`) start the containers
from the dev overlay's rendered manifests; these checks keep docker-compose.yml
and the other overlays from drifting away from what was tested.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from waybill_contracts.tasks import Queue
from waybill_devstack.deployment import AppContainer, Manifest, kubernetes_app_containers

REPO = Path(__file__).resolve().parents[2]

# Addresses and sizes of one deployment; every other variable has one value everywhere.
PER_DEPLOYMENT = {
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "WS_ALLOWED_ORIGINS",
    "REALTIME_PUBLIC_URL",
    "SITE_URL",
    "DEFAULT_FROM_EMAIL",
    "WEB_CONCURRENCY",
    "MEDIA_ROOT",
    "MEDIA_BUCKET",
    "SECURE_SSL_REDIRECT",
}
CLUSTER_OVERLAYS = ("staging", "prod")


def test_compose_runs_every_container_kubernetes_runs(
    kubernetes_containers: dict[str, dict[str, AppContainer]], compose_containers: dict[str, AppContainer]
) -> None:
    for overlay, containers in kubernetes_containers.items():
        assert set(containers) == set(compose_containers), overlay


@pytest.mark.parametrize("service", ["migrate", "django", "realtime", "worker", "beat", "worker-metrics"])
def test_compose_and_every_overlay_run_the_same_image_and_command(
    service: str,
    kubernetes_containers: dict[str, dict[str, AppContainer]],
    compose_containers: dict[str, AppContainer],
) -> None:
    compose = compose_containers[service]
    for overlay, containers in kubernetes_containers.items():
        assert containers[service].image == compose.image, (overlay, service)
        assert containers[service].command == compose.command, (overlay, service)


@pytest.mark.parametrize("service", ["migrate", "django", "realtime", "worker", "beat", "worker-metrics"])
def test_compose_sets_the_variables_kubernetes_sets_with_the_same_values(
    service: str,
    kubernetes_containers: dict[str, dict[str, AppContainer]],
    compose_containers: dict[str, AppContainer],
) -> None:
    compose = compose_containers[service]
    dev = kubernetes_containers["dev"][service]
    assert dev.secret_keys <= compose.secret_keys, service
    assert set(dev.config) == set(compose.config), service
    for key, value in dev.config.items():
        if key not in PER_DEPLOYMENT:
            assert compose.config[key] == value, (
                f"{service}: {key} is {compose.config[key]!r} in compose, {value!r} in k8s"
            )
    for overlay in CLUSTER_OVERLAYS:
        cluster = kubernetes_containers[overlay][service]
        assert cluster.secret_keys == dev.secret_keys, (overlay, service)
        shared = set(dev.config) - PER_DEPLOYMENT
        assert shared <= set(cluster.config), (overlay, service, shared - set(cluster.config))
        for key in shared:
            assert cluster.config[key] == dev.config[key], (overlay, service, key)


@pytest.mark.parametrize("service", ["migrate", "django", "realtime", "worker", "beat", "worker-metrics"])
def test_compose_and_kubernetes_give_the_same_writable_paths(
    service: str,
    kubernetes_containers: dict[str, dict[str, AppContainer]],
    compose_containers: dict[str, AppContainer],
) -> None:
    dev, compose = kubernetes_containers["dev"][service], compose_containers[service]
    assert dev.writable == compose.writable, service
    assert dev.shared == compose.shared, service
    assert dev.run_as == "10001:10001", service


def test_every_container_gets_only_the_secrets_it_reads(
    kubernetes_containers: dict[str, dict[str, AppContainer]],
) -> None:
    containers = kubernetes_containers["prod"]
    app = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    # The realtime service sends no email, and the exporter reads only Redis.
    assert containers["realtime"].secret_keys == app
    assert containers["worker-metrics"].secret_keys == {"REDIS_URL"}
    for service in ("django", "worker", "beat", "migrate"):
        assert containers[service].secret_keys == app | {"EMAIL_URL"}, service


def test_email_secret_is_separate_from_what_terraform_writes(rendered: dict[str, list[Manifest]]) -> None:
    for overlay in CLUSTER_OVERLAYS:
        external = {
            m["metadata"]["name"]: {item["secretKey"] for item in m["spec"]["data"]}
            for m in rendered[overlay]
            if m["kind"] == "ExternalSecret"
        }
        assert external["waybill-app"] == {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}, overlay
        assert external["waybill-email"] == {"EMAIL_URL"}, overlay


def test_each_workload_has_its_own_service_account(rendered: dict[str, list[Manifest]]) -> None:
    for overlay, manifests in rendered.items():
        accounts = {}
        for workload in manifests:
            if workload["kind"] in {"Deployment", "Job"} and workload["metadata"]["name"].startswith(
                "waybill-"
            ):
                spec = workload["spec"]["template"]["spec"]
                if workload["metadata"]["name"] in {"waybill-postgres", "waybill-redis"}:
                    continue
                accounts[workload["metadata"]["name"]] = spec["serviceAccountName"]
        assert accounts == {name: name for name in accounts}, overlay


def test_only_django_and_the_worker_may_use_the_media_bucket(rendered: dict[str, list[Manifest]]) -> None:
    for overlay in CLUSTER_OVERLAYS:
        annotated = {
            m["metadata"]["name"]
            for m in rendered[overlay]
            if m["kind"] == "ServiceAccount"
            and "eks.amazonaws.com/role-arn" in m["metadata"].get("annotations", {})
        }
        assert annotated == {"waybill-django", "waybill-worker", "waybill-external-secrets"}, overlay


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize("where", ["compose", "dev", "staging", "prod"])
def test_the_browser_uses_one_public_origin_for_pages_links_and_websockets(
    where: str,
    kubernetes_containers: dict[str, dict[str, AppContainer]],
    compose_containers: dict[str, AppContainer],
) -> None:
    config = (compose_containers if where == "compose" else kubernetes_containers[where])["django"].config
    public = config["SITE_URL"]
    assert origin(public) == public.rstrip("/")
    assert config["REALTIME_PUBLIC_URL"] == public, "the browser would open its WebSocket elsewhere"
    assert config["CSRF_TRUSTED_ORIGINS"].split(",") == [public]
    assert config["WS_ALLOWED_ORIGINS"].split(",") == [public]
    assert urlsplit(public).hostname in config["ALLOWED_HOSTS"].split(",")
    assert "@" in config["DEFAULT_FROM_EMAIL"]
    assert not config["DEFAULT_FROM_EMAIL"].endswith(".test>"), "a .test sender cannot be verified"
    # The ingress controller (or compose's proxy) is the one hop that adds X-Forwarded-For.
    assert config["TRUSTED_PROXY_COUNT"] == "1"
    if where == "compose":
        published = [
            port
            for port in yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["proxy"][
                "ports"
            ]
        ]
        assert any(port.endswith(f":{urlsplit(public).port}") for port in published), (
            "SITE_URL is not the proxy"
        )
    elif where == "dev":
        assert urlsplit(public).scheme == "http"
    else:
        assert urlsplit(public).scheme == "https"


def test_compose_sends_email_over_plain_smtp_to_mailpit(compose_containers: dict[str, AppContainer]) -> None:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    environment = services["worker"]["environment"]
    # Mailpit offers no STARTTLS, which smtp:// insists on.
    assert environment["EMAIL_URL"] == "smtp+plain://mailpit:1025"


def test_uploads_live_where_django_and_the_worker_both_reach_them(
    rendered: dict[str, list[Manifest]],
    kubernetes_containers: dict[str, dict[str, AppContainer]],
    compose_containers: dict[str, AppContainer],
) -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    media_root = compose_containers["django"].config["MEDIA_ROOT"]
    for service in ("django", "worker"):
        assert f"media:{media_root}" in compose[service]["volumes"], service
        assert media_root in kubernetes_containers["dev"][service].writable, service
    claims = [m for m in rendered["dev"] if m["kind"] == "PersistentVolumeClaim"]
    assert [claim["metadata"]["name"] for claim in claims] == ["waybill-media"]
    for overlay in CLUSTER_OVERLAYS:
        for service in ("django", "worker", "beat", "migrate"):
            config = kubernetes_containers[overlay][service].config
            assert config["MEDIA_BUCKET"], (overlay, service)
            assert "MEDIA_ROOT" not in config, (overlay, service)


def test_container_ports_are_the_ports_the_services_are_told(
    kubernetes_containers: dict[str, dict[str, AppContainer]],
) -> None:
    for overlay, containers in kubernetes_containers.items():
        django, realtime = containers["django"], containers["realtime"]
        assert django.ports["http"] == int(django.config["DJANGO_PORT"]), overlay
        assert realtime.ports["http"] == int(realtime.config["REALTIME_PORT"]), overlay
        assert realtime.config["BIND_HOST"] == django.config["BIND_HOST"] == "0.0.0.0", overlay  # noqa: S104 - a container listens on every interface; the test asserts it
        metrics = containers["worker-metrics"]
        assert metrics.command is not None
        assert metrics.ports["metrics"] == int(metrics.command[metrics.command.index("--port") + 1])


def test_realtime_drains_within_its_pod_grace_period(rendered: dict[str, list[Manifest]]) -> None:
    for overlay, manifests in rendered.items():
        (realtime,) = [
            m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == "waybill-realtime"
        ]
        spec = realtime["spec"]["template"]["spec"]
        config = kubernetes_app_containers(manifests)["realtime"].config
        pre_stop = spec["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pre_stop + int(config["SHUTDOWN_GRACE_SECONDS"]) < spec["terminationGracePeriodSeconds"], (
            overlay
        )


# --- the front door: the Ingress and compose's Caddy route alike, and every public realtime path ---------


def ingress_realtime_paths(manifests: list[Manifest]) -> set[tuple[str, str]]:
    return {
        (path["path"], path["pathType"])
        for ingress in manifests
        if ingress["kind"] == "Ingress"
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
        if path["backend"]["service"]["name"] == "waybill-realtime"
    }


def caddy_realtime_matchers() -> list[str]:
    match = re.search(r"@realtime path (.+)", (REPO / "infra" / "docker" / "Caddyfile").read_text())
    assert match
    return match.group(1).split()


def caddy_routes_to_realtime(path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, matcher) for matcher in caddy_realtime_matchers())


def ingress_routes_to_realtime(paths: set[tuple[str, str]], path: str) -> bool:
    for prefix, kind in paths:
        if kind == "Exact" and path == prefix:
            return True
        if kind == "Prefix":
            wanted = [part for part in prefix.split("/") if part]
            if path.split("/")[1 : len(wanted) + 1] == wanted:
                return True
    return False


def realtime_public_paths() -> list[str]:
    """Every path the realtime app serves to clients (its OpenAPI paths and the WebSocket), as a sample request path."""
    from waybill_realtime.main import app

    internal = {"/healthz", "/readyz", "/metrics"}
    paths = [re.sub(r"\{[^}]+\}", "x", path) for path in app.openapi()["paths"] if path not in internal]
    return [*paths, "/ws"]


@pytest.mark.parametrize("where", ["dev", "staging", "prod"])
def test_every_public_realtime_path_reaches_realtime_through_the_ingress_and_caddy(
    where: str, rendered: dict[str, list[Manifest]]
) -> None:
    paths = ingress_realtime_paths(rendered[where])
    public = realtime_public_paths()
    assert "/users/me" in public
    for path in public:
        assert ingress_routes_to_realtime(paths, path), f"{where}: the Ingress sends {path} to Django"
        assert caddy_routes_to_realtime(path), f"Caddy sends {path} to Django"
    for path in ("/", "/admin/", "/api/v1/shipments", "/accounts/login/", "/users/", "/static/x.js"):
        assert not ingress_routes_to_realtime(paths, path), path
        assert not caddy_routes_to_realtime(path), path
    # The realtime service's counters are for Prometheus inside the cluster only (SEC-19).
    assert not ingress_routes_to_realtime(paths, "/metrics"), f"{where}: the Ingress publishes /metrics"
    assert not caddy_routes_to_realtime("/metrics"), "Caddy publishes /metrics to realtime"


def test_the_queue_exporter_is_deployed_once_and_scraped(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["prod"]
    (beat,) = [m for m in prod if m["kind"] == "Deployment" and m["metadata"]["name"] == "waybill-beat"]
    assert beat["spec"]["replicas"] == 1
    names = {(m["kind"], m["metadata"]["name"]) for m in prod}
    assert ("Service", "waybill-worker-metrics") in names
    assert ("ServiceMonitor", "waybill-worker-metrics") in names
    assert ("NetworkPolicy", "waybill-worker-metrics-from-prometheus") in names


def test_the_worker_consumes_every_queue_in_compose_too(compose_containers: dict[str, AppContainer]) -> None:
    command = compose_containers["worker"].command
    assert command is not None
    assert set(command[command.index("--queues") + 1].split(",")) == set(Queue)
