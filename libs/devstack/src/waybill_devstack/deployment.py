"""The application containers as docker-compose.yml and the rendered Kubernetes manifests declare them.

One reading of both, for the checks that they agree (infra/tests) and for the
image tests that start the containers that way (`make test-images`).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
# Kubernetes workload/container -> the docker-compose.yml service that runs the same thing.
APP_CONTAINERS = {
    ("waybill-migrate", "migrate"): "migrate",
    ("waybill-django", "django"): "django",
    ("waybill-realtime", "realtime"): "realtime",
    ("waybill-worker", "worker"): "worker",
    ("waybill-beat", "beat"): "beat",
    ("waybill-beat", "metrics"): "worker-metrics",
}


@dataclass(frozen=True)
class AppContainer:
    """One application container: what it runs, with which variables, and what it may write."""

    compose_service: str
    image: str
    """The image's name without registry or tag: waybill-django, waybill-realtime, waybill-worker."""
    command: list[str] | None
    """The command that replaces the image's CMD, or None for the image's own."""
    config: dict[str, str]
    """Variables and their values from the ConfigMap (or compose's environment)."""
    secret_keys: frozenset[str]
    """Variables that come from a Secret (values are the deployment's own)."""
    writable: frozenset[str]
    """Mount paths the container may write; everything else is read-only."""
    shared: frozenset[str] = frozenset()
    """Those of ``writable`` that other containers see too (a claim, a named volume); the rest are scratch."""
    run_as: str | None = None
    """uid:gid the manifests set, or None for the image's USER."""
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, str]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)


def _image_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split("@")[0].split(":")[0]


def kubernetes_app_containers(manifests: list[Manifest]) -> dict[str, AppContainer]:
    """The app containers of a rendered overlay, keyed by their compose service's name."""
    config_maps = {m["metadata"]["name"]: m.get("data", {}) for m in manifests if m["kind"] == "ConfigMap"}
    found: dict[str, AppContainer] = {}
    for workload in manifests:
        if workload["kind"] not in {"Deployment", "Job"}:
            continue
        spec = workload["spec"]["template"]["spec"]
        claims = {volume["name"] for volume in spec.get("volumes", []) if "persistentVolumeClaim" in volume}
        pod_security = spec.get("securityContext", {})
        for container in spec["containers"]:
            service = APP_CONTAINERS.get((workload["metadata"]["name"], container["name"]))
            if service is None:
                continue
            config: dict[str, str] = {}
            for source in container.get("envFrom", []):
                assert "configMapRef" in source, f"{service}: only the ConfigMap comes in whole"
                config.update(config_maps[source["configMapRef"]["name"]])
            secrets = set()
            for variable in container.get("env", []):
                if "secretKeyRef" in variable.get("valueFrom", {}):
                    secrets.add(variable["name"])
                else:
                    config[variable["name"]] = variable["value"]
            found[service] = AppContainer(
                compose_service=service,
                image=_image_name(container["image"]),
                command=[*container.get("command", []), *container.get("args", [])] or None,
                config=config,
                secret_keys=frozenset(secrets),
                writable=frozenset(mount["mountPath"] for mount in container.get("volumeMounts", [])),
                shared=frozenset(
                    mount["mountPath"]
                    for mount in container.get("volumeMounts", [])
                    if mount["name"] in claims
                ),
                run_as=f"{pod_security['runAsUser']}:{pod_security['runAsGroup']}",
                probes={
                    kind: container[kind]
                    for kind in ("startupProbe", "livenessProbe", "readinessProbe")
                    if kind in container
                },
                ports={port["name"]: port["containerPort"] for port in container.get("ports", [])},
                resources=container.get("resources", {}),
            )
    return found


def compose_app_containers(compose_file: Path, secret_keys: frozenset[str]) -> dict[str, AppContainer]:
    """docker-compose.yml's app services; ``secret_keys`` says which of their variables are secrets."""
    services = yaml.safe_load(compose_file.read_text())["services"]
    found: dict[str, AppContainer] = {}
    for name in APP_CONTAINERS.values():
        service = services[name]
        assert service.get("read_only") is True, name
        environment = {key: str(value) for key, value in service["environment"].items()}
        found[name] = AppContainer(
            compose_service=name,
            image=_image_name(service["image"]),
            command=service.get("command"),
            config={key: value for key, value in environment.items() if key not in secret_keys},
            secret_keys=frozenset(key for key in environment if key in secret_keys),
            writable=frozenset(
                [*service.get("tmpfs", []), *(volume.split(":")[1] for volume in service.get("volumes", []))]
            ),
            shared=frozenset(volume.split(":")[1] for volume in service.get("volumes", [])),
        )
    return found
