"""Fixtures for the deployment tests: the repository's paths and each rendered Kubernetes overlay."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from waybill_devstack.deployment import (
    AppContainer,
    compose_app_containers,
    kubernetes_app_containers,
)

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "infra" / "k8s"
OVERLAYS = sorted(path.name for path in (K8S / "overlays").iterdir() if path.is_dir())

Manifest = dict[str, Any]

# The image tests need podman and the built images: `make test-images` collects them, `make test` does not.
collect_ignore = [] if os.environ.get("WAYBILL_IMAGE_TESTS") == "1" else ["images"]


def kustomize(directory: Path) -> list[Manifest]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is required to render the overlays (`kubectl kustomize`)")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Manifest]]:
    """Every overlay, rendered once per test session."""
    return {overlay: kustomize(K8S / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def manifests(rendered: dict[str, list[Manifest]], overlay: str) -> list[Manifest]:
    return rendered[overlay]


@pytest.fixture(scope="session")
def kubernetes_containers(rendered: dict[str, list[Manifest]]) -> dict[str, dict[str, AppContainer]]:
    """Each overlay's app containers."""
    return {overlay: kubernetes_app_containers(manifests) for overlay, manifests in rendered.items()}


@pytest.fixture(scope="session")
def compose_containers(kubernetes_containers: dict[str, dict[str, AppContainer]]) -> dict[str, AppContainer]:
    secret_keys = frozenset().union(
        *(
            container.secret_keys
            for containers in kubernetes_containers.values()
            for container in containers.values()
        )
    )
    return compose_app_containers(REPO / "docker-compose.yml", secret_keys)
