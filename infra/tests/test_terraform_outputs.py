"""Terraform's outputs reach the overlay of the same environment: terraform-outputs.sh, the env files, deploy.sh."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "infra" / "terraform" / "envs"
SCRIPT = REPO / "infra" / "scripts" / "terraform-outputs.sh"
OVERLAYS = REPO / "infra" / "k8s" / "overlays"
ENV_FILES = sorted(OVERLAYS.glob("*/terraform-outputs.env"))

# Stands in for `terraform` (which would need the AWS state): it answers `output -raw KEY` from
# outputs.json in the data directory TF_DATA_DIR names, as terraform reads the state its data
# directory's backend points at, and fails on anything else.
FAKE_TERRAFORM = f"""#!{sys.executable}
import json, os, pathlib, sys
chdir, command, raw, key = sys.argv[1:]
assert chdir == "-chdir=infra/terraform/envs" and command == "output" and raw == "-raw", sys.argv
state = pathlib.Path("infra/terraform/envs", os.environ["TF_DATA_DIR"], "outputs.json")
outputs = json.loads(state.read_text())
if key not in outputs:
    sys.exit(f"Output {{key!r}} not found")
sys.stdout.write(outputs[key])
"""


def root_outputs() -> set[str]:
    names: set[str] = set()
    with (ROOT / "outputs.tf").open() as handle:
        for block in hcl2.load(handle)["output"]:
            names |= {name.strip('"') for name in block}
    return names


def script_keys() -> list[str]:
    loop = re.search(r"for key in (.+?); do", SCRIPT.read_text(), flags=re.DOTALL)
    assert loop
    return loop.group(1).replace("\\\n", " ").split()


def read_env_file(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )


def outputs_for(env: str) -> dict[str, str]:
    return {key: f"{env}-{key}" for key in script_keys()} | {"environment": env}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The script in a copy of the repository's layout, with both overlays and a terraform on PATH."""
    (tmp_path / "infra" / "scripts").mkdir(parents=True)
    shutil.copy2(SCRIPT, tmp_path / "infra" / "scripts" / SCRIPT.name)
    for env in ("prod", "staging"):
        (tmp_path / "infra" / "k8s" / "overlays" / env).mkdir(parents=True)
        state = tmp_path / "infra" / "terraform" / "envs" / ".terraform" / env
        state.mkdir(parents=True)
        (state / "outputs.json").write_text(json.dumps(outputs_for(env)))
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "terraform"
    fake.write_text(FAKE_TERRAFORM)
    fake.chmod(0o755)
    return tmp_path


def run(checkout: Path, env: str) -> subprocess.CompletedProcess[str]:
    path = f"{checkout / 'bin'}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        [str(checkout / "infra" / "scripts" / SCRIPT.name), env],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": path},
        timeout=60,
    )


def test_staging_outputs_go_to_the_staging_overlay_and_leave_prod_alone(checkout: Path) -> None:
    prod_file = checkout / "infra" / "k8s" / "overlays" / "prod" / "terraform-outputs.env"
    prod_file.write_text("vpc_cidr=10.40.0.0/16\n")
    result = run(checkout, "staging")
    assert result.returncode == 0, result.stderr
    written = read_env_file(checkout / "infra" / "k8s" / "overlays" / "staging" / "terraform-outputs.env")
    assert written == {key: f"staging-{key}" for key in script_keys()}
    assert prod_file.read_text() == "vpc_cidr=10.40.0.0/16\n"


def test_a_data_directory_holding_another_environments_state_is_refused(checkout: Path) -> None:
    state = checkout / "infra" / "terraform" / "envs" / ".terraform" / "prod" / "outputs.json"
    state.write_text(json.dumps(outputs_for("staging")))
    result = run(checkout, "prod")
    assert result.returncode == 1
    assert "holds the state of 'staging', not 'prod'" in result.stderr
    assert not (checkout / "infra" / "k8s" / "overlays" / "prod" / "terraform-outputs.env").exists()


def test_an_environment_without_an_overlay_is_refused(checkout: Path) -> None:
    shutil.rmtree(checkout / "infra" / "k8s" / "overlays" / "staging")
    result = run(checkout, "staging")
    assert result.returncode == 1
    assert "no overlay infra/k8s/overlays/staging" in result.stderr


def test_the_script_writes_only_root_outputs_and_everything_the_overlays_use() -> None:
    keys = set(script_keys())
    assert keys <= root_outputs(), f"not Terraform outputs: {keys - root_outputs()}"
    assert {"media_bucket", "aws_region", "default_from_email", "media_role_arn"} <= keys
    for kustomization in OVERLAYS.glob("*/kustomization.yaml"):
        used = set(re.findall(r"fieldPath: data\.(\w+)", kustomization.read_text()))
        if "terraform-outputs" in kustomization.read_text():
            assert used <= keys, f"{kustomization.parent.name} reads {used - keys}, which nothing writes"
    deploy = (REPO / "infra" / "scripts" / "deploy.sh").read_text()
    assert set(re.findall(r"s/\^(\w+)=//p", deploy)) <= keys


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.parent.name)
def test_the_committed_env_file_has_exactly_what_the_script_writes(env_file: Path) -> None:
    assert set(read_env_file(env_file)) == set(script_keys())
    assert f"terraform-outputs.sh {env_file.parent.name}" in env_file.read_text()


def test_the_app_secret_holds_what_the_external_secrets_read() -> None:
    main = (REPO / "infra" / "terraform" / "modules" / "waybill" / "main.tf").read_text()
    external = (
        REPO / "infra" / "k8s" / "components" / "external-secrets" / "externalsecrets.yaml"
    ).read_text()
    properties = set(re.findall(r"property: (\w+)", external)) - {"EMAIL_URL"}
    for key in properties:
        assert re.search(rf"^\s+{key}\s+=", main, flags=re.MULTILINE), f"Terraform never writes {key}"


def test_the_irsa_role_is_for_the_service_account_the_overlay_annotates() -> None:
    roles = (REPO / "infra" / "terraform" / "modules" / "waybill" / "service-roles.tf").read_text()
    secret_store = (
        REPO / "infra" / "k8s" / "components" / "external-secrets" / "secretstore.yaml"
    ).read_text()
    assert 'service_accounts  = ["waybill-external-secrets"]' in roles
    assert "name: waybill-external-secrets" in secret_store
