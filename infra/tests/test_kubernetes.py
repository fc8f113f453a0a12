"""The rendered overlays are valid Kubernetes objects and keep the hardening the base promises."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "infra" / "k8s"
KUBERNETES_VERSION = "1.32"
CRD_SCHEMAS: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "crd_schemas.yaml").read_text())

Manifest = dict[str, Any]
CONTAINER_TMP = "/tmp"  # noqa: S108 - a path inside the containers, not a temporary file here
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}
CLUSTER_SCOPED_KINDS = {"Namespace"}
APP_WORKLOADS = {"waybill-django", "waybill-realtime", "waybill-worker", "waybill-beat", "waybill-migrate"}
# Secrets created outside the manifests: by hand or infra/scripts/dev-secrets.sh, or by an ExternalSecret.
EXTERNAL_SECRETS = {"waybill-app", "waybill-email", "waybill-dev-postgres", "waybill-keda-redis"}


def find(manifests: list[Manifest], kind: str, name: str | None = None) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]


def one(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    matches = find(manifests, kind, name)
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    return [m for m in manifests if m["kind"] in WORKLOAD_KINDS]


def containers(workload: Manifest) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def ident(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        value = labels.get(expression["key"])
        if expression["operator"] == "In" and value not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and value in expression["values"]:
            return False
        if expression["operator"] == "Exists" and value is None:
            return False
    return True


def pod_labels(workload: Manifest) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def command_of(workload: Manifest) -> list[str]:
    container = pod_spec(workload)["containers"][0]
    return [*container.get("command", []), *container.get("args", [])]


def dockerfile_cmd(service: str) -> list[str]:
    text = (REPO / "services" / service / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*\])$", text, flags=re.MULTILINE)
    assert match, f"services/{service}/Dockerfile has no exec-form CMD"
    parsed: list[str] = yaml.safe_load(match.group(1))
    return parsed


def option(argv: list[str], name: str) -> str:
    assert name in argv, f"{name} missing from {shlex.join(argv)}"
    return argv[argv.index(name) + 1]


# --- schemas and structure ---------------------------------------------------------------


def test_every_object_matches_its_schema(manifests: list[Manifest]) -> None:
    errors = []
    for manifest in manifests:
        crd_schema = CRD_SCHEMAS.get(f"{manifest['apiVersion']}/{manifest['kind']}")
        try:
            if crd_schema is not None:
                jsonschema.validate(manifest, crd_schema)
            else:
                kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except (kubernetes_validate.ValidationError, jsonschema.ValidationError) as error:
            errors.append(f"{ident(manifest)}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{ident(manifest)}: no schema for {manifest['apiVersion']} in Kubernetes 1.32")
    assert errors == []


def test_crd_schemas_reject_a_misspelt_field() -> None:
    scaled_object = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {"scaleTargetRef": {"name": "x"}, "minReplicas": 1, "triggers": []},
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaled_object, CRD_SCHEMAS["keda.sh/v1alpha1/ScaledObject"])


def test_every_object_lives_in_the_waybill_namespace(manifests: list[Manifest]) -> None:
    outside = [
        ident(m)
        for m in manifests
        if m["kind"] not in CLUSTER_SCOPED_KINDS and m["metadata"].get("namespace") != "waybill"
    ]
    assert outside == []


def test_the_namespace_enforces_the_restricted_pod_security_standard(manifests: list[Manifest]) -> None:
    labels = one(manifests, "Namespace", "waybill")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_no_secret_values_are_rendered(manifests: list[Manifest]) -> None:
    assert find(manifests, "Secret") == []


def test_no_secret_is_committed_under_infra_k8s() -> None:
    committed = [
        str(path.relative_to(REPO))
        for path in K8S.rglob("*.yaml")
        for document in yaml.safe_load_all(path.read_text())
        if isinstance(document, dict) and document.get("kind") == "Secret"
    ]
    assert committed == []


def test_every_component_is_used_and_documented() -> None:
    used = set()
    for kustomization in (K8S / "overlays").glob("*/kustomization.yaml"):
        for component in yaml.safe_load(kustomization.read_text()).get("components", []):
            used.add((kustomization.parent / component).resolve().name)
    components = {path.name for path in (K8S / "components").iterdir() if path.is_dir()}
    assert components <= used, f"components no overlay renders (so no test checks): {components - used}"
    assert all((K8S / "components" / name / "README.md").is_file() for name in components)


# --- pod hardening ---------------------------------------------------------------------------


def test_every_pod_runs_as_non_root_with_runtime_default_seccomp(manifests: list[Manifest]) -> None:
    for workload in workloads(manifests):
        spec = pod_spec(workload)
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, ident(workload)
        assert context["runAsUser"] >= 10000, ident(workload)
        assert context["seccompProfile"]["type"] == "RuntimeDefault", ident(workload)
        assert spec["automountServiceAccountToken"] is False, ident(workload)
        assert not any(spec.get(key) for key in ("hostNetwork", "hostPID", "hostIPC")), ident(workload)


def test_every_container_is_read_only_without_capabilities(manifests: list[Manifest]) -> None:
    for workload in workloads(manifests):
        for container in containers(workload):
            where = f"{ident(workload)} container {container['name']}"
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in context["capabilities"], where
            assert not context.get("privileged", False), where


def test_writable_paths_are_explicit_bounded_volumes(manifests: list[Manifest]) -> None:
    for workload in workloads(manifests):
        spec = pod_spec(workload)
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        claims = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
        assert not any("hostPath" in volume for volume in volumes.values()), ident(workload)
        for container in containers(workload):
            mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
            assert CONTAINER_TMP in mounts, f"{ident(workload)}: /tmp must be a writable volume"
            for name in mounts.values():
                if name in claims or "persistentVolumeClaim" in volumes.get(name, {}):
                    continue
                assert volumes[name]["emptyDir"]["sizeLimit"], f"{ident(workload)}: {name} is unbounded"


def test_every_container_has_requests_and_limits(manifests: list[Manifest]) -> None:
    for workload in workloads(manifests):
        for container in containers(workload):
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys(), ident(workload)
            assert {"cpu", "memory"} <= resources["limits"].keys(), ident(workload)


def test_every_long_running_container_has_three_probes(manifests: list[Manifest]) -> None:
    for workload in workloads(manifests):
        if workload["kind"] == "Job":
            continue
        for container in pod_spec(workload)["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, f"{ident(workload)} has no {probe}"


def test_http_probes_call_the_health_endpoints(manifests: list[Manifest]) -> None:
    for name in ("waybill-django", "waybill-realtime"):
        container = pod_spec(one(manifests, "Deployment", name))["containers"][0]
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_django_probes_send_a_host_that_django_allows(manifests: list[Manifest]) -> None:
    container = pod_spec(one(manifests, "Deployment", "waybill-django"))["containers"][0]
    config = [m for m in find(manifests, "ConfigMap") if m["metadata"]["name"].startswith("waybill-config")]
    allowed_hosts = config[0]["data"]["ALLOWED_HOSTS"].split(",")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
        assert headers["Host"] in allowed_hosts


def test_worker_probes_run_the_worker_check(manifests: list[Manifest]) -> None:
    for name in ("waybill-worker", "waybill-beat"):
        container = pod_spec(one(manifests, "Deployment", name))["containers"][0]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["exec"]["command"] == ["waybill-worker-check"]


# --- wiring ----------------------------------------------------------------------------------


def test_every_config_reference_resolves(manifests: list[Manifest]) -> None:
    config_maps = {m["metadata"]["name"] for m in find(manifests, "ConfigMap")}
    for workload in workloads(manifests):
        for container in containers(workload):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, ident(workload)
                else:
                    assert source["secretRef"]["name"] in EXTERNAL_SECRETS, ident(workload)
            for variable in container.get("env", []):
                secret = variable.get("valueFrom", {}).get("secretKeyRef")
                if secret:
                    assert secret["name"] in EXTERNAL_SECRETS, ident(workload)


def test_every_service_selects_pods_and_targets_a_named_port(manifests: list[Manifest]) -> None:
    for service in find(manifests, "Service"):
        matching = [
            w for w in workloads(manifests) if service["spec"]["selector"].items() <= pod_labels(w).items()
        ]
        assert len(matching) == 1, ident(service)
        port_names = {
            port["name"]
            for container in pod_spec(matching[0])["containers"]
            for port in container.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, ident(service)


def ingress_routes(manifests: list[Manifest]) -> dict[tuple[str, str], str]:
    routes = {}
    for ingress in find(manifests, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routes[(rule["host"], path["path"])] = path["backend"]["service"]["name"]
    return routes


def test_ingress_sends_realtime_paths_to_realtime_and_the_rest_to_django(manifests: list[Manifest]) -> None:
    routes = ingress_routes(manifests)
    hosts = {host for host, _ in routes}
    assert len(hosts) == 1
    (host,) = hosts
    assert routes[(host, "/ws")] == "waybill-realtime"
    assert routes[(host, "/v1/")] == "waybill-realtime"
    assert routes[(host, "/auth/")] == "waybill-realtime"
    assert routes[(host, "/")] == "waybill-django"
    assert set(routes.values()) == {"waybill-realtime", "waybill-django"}


def test_ingress_backends_exist(manifests: list[Manifest]) -> None:
    services = {m["metadata"]["name"]: m for m in find(manifests, "Service")}
    for ingress in find(manifests, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                ports = {port["name"] for port in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"]["name"] in ports


def test_websocket_ingress_holds_connections_open(manifests: list[Manifest]) -> None:
    annotations = one(manifests, "Ingress", "waybill-realtime")["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600


# --- workloads -------------------------------------------------------------------------------


def test_beat_runs_exactly_one_replica_and_recreates(manifests: list[Manifest]) -> None:
    beat = one(manifests, "Deployment", "waybill-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    scaled = [m["spec"]["scaleTargetRef"]["name"] for m in find(manifests, "HorizontalPodAutoscaler")]
    scaled += [m["spec"]["scaleTargetRef"]["name"] for m in find(manifests, "ScaledObject")]
    assert "waybill-beat" not in scaled
    assert command_of(beat)[:4] == ["celery", "--app", "waybill_worker.celery_app", "beat"]
    assert option(command_of(beat), "--schedule").startswith(CONTAINER_TMP + "/")


def test_worker_consumes_every_queue(manifests: list[Manifest]) -> None:
    command = command_of(one(manifests, "Deployment", "waybill-worker"))
    assert command[:4] == ["celery", "--app", "waybill_worker.celery_app", "worker"]
    assert option(command, "--queues").split(",") == ["default", "webhooks", "imports", "reports"]


def test_migration_job_runs_django_migrate_and_needs_only_config(manifests: list[Manifest]) -> None:
    job = one(manifests, "Job", "waybill-migrate")
    assert command_of(job) == ["waybill-django", "migrate", "--no-input"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    # infra/scripts/deploy.sh applies `component in (config, database, broker, migrate)` first.
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"
    config_names = {
        m["metadata"]["name"]
        for m in manifests
        if m["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "config"
    }
    for source in containers(job)[0]["envFrom"]:
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] in config_names
    assert {"waybill", pod_spec(job)["serviceAccountName"]} <= config_names, (
        "the namespace and the job's identity"
    )


def test_disruption_budgets_cover_the_replicated_deployments(manifests: list[Manifest]) -> None:
    budgets = find(manifests, "PodDisruptionBudget")
    for name in ("waybill-django", "waybill-realtime", "waybill-worker"):
        labels = pod_labels(one(manifests, "Deployment", name))
        covering = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        assert len(covering) == 1, name
        assert covering[0]["spec"].get("maxUnavailable") == 1, name


def test_replicated_deployments_spread_over_zones_and_nodes(manifests: list[Manifest]) -> None:
    for name in ("waybill-django", "waybill-realtime", "waybill-worker"):
        spec = pod_spec(one(manifests, "Deployment", name))
        keys = {c["topologyKey"] for c in spec["topologySpreadConstraints"]}
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name


def test_rollouts_never_reduce_serving_capacity(manifests: list[Manifest]) -> None:
    for name in ("waybill-django", "waybill-realtime"):
        strategy = one(manifests, "Deployment", name)["spec"]["strategy"]
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_realtime_drains_websockets_within_the_grace_period(manifests: list[Manifest]) -> None:
    spec = pod_spec(one(manifests, "Deployment", "waybill-realtime"))
    pre_stop = spec["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert dockerfile_cmd("realtime_fastapi") == ["waybill-realtime"]
    (config,) = [
        m for m in find(manifests, "ConfigMap") if m["metadata"]["name"].startswith("waybill-config")
    ]
    uvicorn_drain = int(config["data"]["SHUTDOWN_GRACE_SECONDS"])
    assert pre_stop >= 5
    assert pre_stop + uvicorn_drain < spec["terminationGracePeriodSeconds"]


def test_django_finishes_requests_within_the_grace_period(manifests: list[Manifest]) -> None:
    spec = pod_spec(one(manifests, "Deployment", "waybill-django"))
    pre_stop = spec["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert option(dockerfile_cmd("admin_django"), "--config") == "/app/gunicorn.conf.py"
    gunicorn_conf = (REPO / "infra" / "docker" / "gunicorn.conf.py").read_text()
    match = re.search(r"^graceful_timeout = (\d+)$", gunicorn_conf, flags=re.MULTILINE)
    assert match, "gunicorn.conf.py sets no graceful_timeout"
    gunicorn_drain = int(match.group(1))
    assert pre_stop + gunicorn_drain < spec["terminationGracePeriodSeconds"]


def test_workers_get_time_to_finish_their_tasks(manifests: list[Manifest]) -> None:
    assert pod_spec(one(manifests, "Deployment", "waybill-worker"))["terminationGracePeriodSeconds"] >= 300


# --- network policies ------------------------------------------------------------------------


def test_network_traffic_is_denied_by_default(manifests: list[Manifest]) -> None:
    deny_all = [
        p
        for p in find(manifests, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert len(deny_all) == 1


def test_only_the_ingress_controller_reaches_the_web_pods(manifests: list[Manifest]) -> None:
    for name, port in (("waybill-django", 8000), ("waybill-realtime", 8001)):
        labels = pod_labels(one(manifests, "Deployment", name))
        rules = [
            rule
            for p in find(manifests, "NetworkPolicy")
            if selects(p["spec"]["podSelector"], labels)
            for rule in p["spec"].get("ingress", [])
        ]
        assert rules, name
        for rule in rules:
            assert [p["port"] for p in rule["ports"]] == [port]
            assert all("namespaceSelector" in peer for peer in rule["from"]), name


def test_datastore_egress_is_narrowed_to_the_datastores(manifests: list[Manifest]) -> None:
    policy = one(manifests, "NetworkPolicy", "waybill-to-datastores")
    for rule in policy["spec"]["egress"]:
        assert rule.get("to"), "the overlay must name where PostgreSQL and Redis are"


def test_internet_egress_excludes_private_ranges_and_instance_metadata(manifests: list[Manifest]) -> None:
    for policy in find(manifests, "NetworkPolicy"):
        for rule in policy["spec"].get("egress", []):
            for peer in rule.get("to", []):
                block = peer.get("ipBlock")
                if block and block["cidr"] == "0.0.0.0/0":
                    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(
                        block["except"]
                    ), ident(policy)


def test_every_pod_may_resolve_names(manifests: list[Manifest]) -> None:
    dns = [
        p
        for p in find(manifests, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and any(port["port"] == 53 for rule in p["spec"].get("egress", []) for port in rule["ports"])
    ]
    assert len(dns) == 1


# --- scaling and overlays --------------------------------------------------------------------


def test_every_autoscaler_targets_an_existing_deployment(manifests: list[Manifest]) -> None:
    deployments = {m["metadata"]["name"] for m in find(manifests, "Deployment")}
    targets = [m["spec"]["scaleTargetRef"]["name"] for m in find(manifests, "HorizontalPodAutoscaler")]
    targets += [m["spec"]["scaleTargetRef"]["name"] for m in find(manifests, "ScaledObject")]
    assert set(targets) <= deployments
    assert len(targets) == len(set(targets)), "two autoscalers fight over one Deployment"


def test_dev_runs_one_replica_with_in_cluster_datastores(rendered: dict[str, list[Manifest]]) -> None:
    dev = rendered["dev"]
    assert {m["spec"]["replicas"] for m in find(dev, "Deployment")} == {1}
    assert {m["metadata"]["name"] for m in find(dev, "StatefulSet")} == {"waybill-postgres", "waybill-redis"}
    assert find(dev, "HorizontalPodAutoscaler") == []
    config = next(m for m in find(dev, "ConfigMap") if m["metadata"]["name"].startswith("waybill-config"))
    assert config["data"]["SECURE_SSL_REDIRECT"] == "false"


def test_prod_uses_managed_datastores_and_more_replicas(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["prod"]
    assert find(prod, "StatefulSet") == []
    for name in ("waybill-django", "waybill-realtime", "waybill-worker"):
        assert one(prod, "Deployment", name)["spec"]["replicas"] >= 3
    assert one(prod, "HorizontalPodAutoscaler", "waybill-django")["spec"]["minReplicas"] >= 3
    for scaled in find(prod, "ScaledObject"):
        assert scaled["spec"]["minReplicaCount"] >= 3


def test_prod_scales_realtime_on_websocket_connections(rendered: dict[str, list[Manifest]]) -> None:
    triggers = one(rendered["prod"], "ScaledObject", "waybill-realtime")["spec"]["triggers"]
    prometheus = [t for t in triggers if t["type"] == "prometheus"]
    assert len(prometheus) == 1
    query = prometheus[0]["metadata"]["query"]
    assert "waybill_ws_open_connections" in query
    # The metric must be the one the realtime service exports.
    metrics = (REPO / "services" / "realtime_fastapi" / "src" / "waybill_realtime" / "metrics.py").read_text()
    assert '"waybill_ws_open_connections"' in metrics
    assert find(rendered["prod"], "HorizontalPodAutoscaler", "waybill-realtime") == []


def test_prod_scales_the_worker_on_each_queue(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["prod"]
    queues = option(command_of(one(prod, "Deployment", "waybill-worker")), "--queues").split(",")
    triggers = one(prod, "ScaledObject", "waybill-worker")["spec"]["triggers"]
    assert sorted(t["metadata"]["listName"] for t in triggers if t["type"] == "redis") == sorted(queues)
    auth_names = {t["authenticationRef"]["name"] for t in triggers}
    assert auth_names <= {m["metadata"]["name"] for m in find(prod, "TriggerAuthentication")}


def test_prod_serves_tls_from_cert_manager(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["prod"]
    issuers = {m["metadata"]["name"] for m in find(prod, "Issuer")}
    requested = []
    for ingress in find(prod, "Ingress"):
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        assert hosts == {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}, ident(ingress)
        issuer = ingress["metadata"].get("annotations", {}).get("cert-manager.io/issuer")
        if issuer:
            assert issuer in issuers
            requested.append(ingress)
    # Two Ingresses asking for one certificate Secret would compete for it.
    assert len(requested) == 1


def test_prod_config_names_the_ingress_host(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["prod"]
    (host,) = {host for host, _ in ingress_routes(prod)}
    config = next(m for m in find(prod, "ConfigMap") if m["metadata"]["name"].startswith("waybill-config"))
    assert host in config["data"]["ALLOWED_HOSTS"].split(",")
    assert config["data"]["CSRF_TRUSTED_ORIGINS"] == f"https://{host}"
    assert config["data"]["WS_ALLOWED_ORIGINS"] == f"https://{host}"


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )
    return {key: value for key, value in pairs}


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_cluster_overlays_take_every_terraform_output_they_need(
    rendered: dict[str, list[Manifest]], environment: str
) -> None:
    prod = rendered[environment]
    outputs = read_env_file(K8S / "overlays" / environment / "terraform-outputs.env")
    text = yaml.safe_dump_all(prod)
    assert "TERRAFORM_OUTPUT_" not in text, "a placeholder was not replaced"
    assert not [m for m in find(prod, "ConfigMap") if m["metadata"]["name"] == "terraform-outputs"]
    account = one(prod, "ServiceAccount", "waybill-external-secrets")
    assert (
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        == outputs["external_secrets_role_arn"]
    )
    assert (
        one(prod, "SecretStore", "aws-secrets-manager")["spec"]["provider"]["aws"]["region"]
        == outputs["aws_region"]
    )
    config = next(m for m in find(prod, "ConfigMap") if m["metadata"]["name"].startswith("waybill-config"))
    assert config["data"]["MEDIA_BUCKET"] == outputs["media_bucket"]
    assert config["data"]["DEFAULT_FROM_EMAIL"] == outputs["default_from_email"]
    for name in ("waybill-django", "waybill-worker"):
        annotations = one(prod, "ServiceAccount", name)["metadata"]["annotations"]
        assert annotations["eks.amazonaws.com/role-arn"] == outputs["media_role_arn"], name
    # The registry is the release's (deploy.sh, from ecr_registry): no example account in the manifests.
    for workload in workloads(prod):
        for container in containers(workload):
            assert "/" not in container["image"], ident(workload)
            assert outputs["ecr_registry"] not in container["image"], ident(workload)


def quantity_mib(value: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "k": 1 / 1048.576, "M": 1 / 1.048576, "m": 1 / 1.048576}
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value) / 2**20


def test_django_tmp_holds_concurrent_uploads_at_the_ingress_limit(manifests: list[Manifest]) -> None:
    # Django spools uploads above 2.5 MB to /tmp; an emptyDir over its sizeLimit evicts the pod.
    web = one(manifests, "Ingress", "waybill-web")
    body_limit = quantity_mib(web["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"])
    volumes = {v["name"]: v for v in pod_spec(one(manifests, "Deployment", "waybill-django"))["volumes"]}
    assert quantity_mib(volumes["tmp"]["emptyDir"]["sizeLimit"]) >= 10 * body_limit


def test_beat_has_room_for_itself_and_its_probe(manifests: list[Manifest]) -> None:
    # Measured: beat about 120 MB, a waybill-worker-check probe up to 90 MB beside it.
    beat = pod_spec(one(manifests, "Deployment", "waybill-beat"))["containers"][0]
    assert quantity_mib(beat["resources"]["limits"]["memory"]) >= 120 + 90 + 64
    assert quantity_mib(beat["resources"]["requests"]["memory"]) >= 120 + 90
