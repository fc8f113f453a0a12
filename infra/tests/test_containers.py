"""The Dockerfiles, .dockerignore and docker-compose.yml, checked statically (no Docker engine needed)."""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SERVICES = {
    # service directory: (requirements file, packages built into the image, exposed port)
    "admin_django": (
        "requirements/admin_django.txt",
        ["./libs/contracts", "./services/admin_django"],
        "8000",
    ),
    "realtime_fastapi": (
        "requirements/realtime_fastapi.txt",
        ["./libs/contracts", "./services/realtime_fastapi"],
        "8001",
    ),
    "worker": (
        "requirements/worker.txt",
        ["./libs/contracts", "./services/admin_django", "./services/worker"],
        None,
    ),
}
PINNED_PYTHON = re.compile(r"^python:3\.11\.\d+-slim-[a-z]+$")
PINNED_IMAGE = re.compile(r"^[\w./-]+:v?\d+(\.\d+)+(-[\w.]+)?$")
CONTAINER_TMP = "/tmp"  # noqa: S108 - a path inside the containers, not a temporary file here
BUILD_TOOLS = ("apt-get", "apk ", "gcc", "build-essential", "make ", "git ")


@dataclass
class Stage:
    image: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [argument for instruction, argument in self.instructions if instruction == keyword]


def global_args(path: Path) -> dict[str, str]:
    """The ARGs before the first FROM, with their defaults."""
    defaults = {}
    for line in path.read_text().splitlines():
        if line.startswith("FROM "):
            break
        if line.startswith("ARG "):
            name, _, default = line.removeprefix("ARG ").partition("=")
            defaults[name.strip()] = default.strip()
    return defaults


def parse_dockerfile(path: Path) -> list[Stage]:
    """Instructions per stage, with continuation lines joined and comments dropped.

    A FROM's ``${ARG}`` is resolved to the ARG's default.
    """
    defaults = global_args(path)
    stages: list[Stage] = []
    logical = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        logical += line[:-1] + " " if line.endswith("\\") else line
        if line.endswith("\\"):
            continue
        keyword, _, argument = logical.partition(" ")
        logical = ""
        if keyword == "FROM":
            image, _, name = argument.partition(" AS ")
            image = re.sub(r"\$\{(\w+)\}", lambda match: defaults[match.group(1)], image.strip())
            stages.append(Stage(image=image, name=name.strip()))
        elif not stages:
            continue  # a global ARG, read by global_args
        else:
            stages[-1].instructions.append((keyword, " ".join(argument.split())))
    return stages


def exec_form(argument: str) -> list[str]:
    value = yaml.safe_load(argument.split("CMD ", 1)[-1])
    assert isinstance(value, list), f"not exec form: {argument}"
    return [str(item) for item in value]


@pytest.fixture(params=sorted(SERVICES))
def service(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def stages(service: str) -> list[Stage]:
    return parse_dockerfile(REPO / "services" / service / "Dockerfile")


def test_images_build_in_stages_from_one_pinned_slim_python(service: str, stages: list[Stage]) -> None:
    assert len(stages) >= 2
    assert {stage.image for stage in stages} == {stages[0].image}
    assert PINNED_PYTHON.match(stages[0].image), stages[0].image
    # Every stage takes the base from BASE_IMAGE, so `make images` can build on a bootstrapped Debian.
    text = (REPO / "services" / service / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE) == ["${BASE_IMAGE}"] * len(stages)


def test_dependencies_come_only_from_the_hashed_requirements(service: str, stages: list[Stage]) -> None:
    requirements, packages, _ = SERVICES[service]
    assert (REPO / requirements).is_file()
    build = stages[0]
    copied = " ".join(build.all("COPY"))
    assert requirements in copied
    runs = build.all("RUN")
    installs = [
        command.strip()
        for run in runs
        for command in run.split("&&")
        if re.search(r"\bpip\b.*\binstall\b", command) and " -r " in command
    ]
    assert installs
    for run in runs:
        for command in run.split("&&"):
            argv = shlex.split(command.split(" /wheelhouse ", 1)[-1])
            pips = [i for i, arg in enumerate(argv) if arg.endswith("/pip") or arg == "pip"]
            for start in pips:
                # pip 23.1+ refuses `pip install --python X`: the option goes before the subcommand.
                if "--python" in argv[start:]:
                    assert argv.index("--python", start) < argv.index("install", start), command
    assert all("--require-hashes" in command for command in installs)
    assert any(Path(requirements).name in command for command in installs)
    wheel = next(run for run in runs if "pip wheel" in run)
    assert "--no-deps" in wheel
    assert [arg for arg in shlex.split(wheel.split("&&")[0]) if arg.startswith("./")] == packages
    assert any("--no-deps /wheels/*.whl" in run for run in runs)


def test_the_build_backend_is_the_one_the_tests_use() -> None:
    def setuptools_block(path: Path) -> list[str]:
        lines = path.read_text().splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("setuptools=="))
        block = [lines[start]]
        block += [line.strip() for line in lines[start + 1 :] if line.strip().startswith("--hash")][:2]
        return [line.rstrip(" \\") for line in block]

    build = setuptools_block(REPO / "infra" / "docker" / "build-requirements.txt")
    assert build == setuptools_block(REPO / "requirements" / "dev.txt")


def test_final_stage_is_non_root_with_a_healthcheck(service: str, stages: list[Stage]) -> None:
    final = stages[-1]
    (user,) = final.all("USER")
    uid = user.split(":")[0]
    # A numeric uid lets Kubernetes verify runAsNonRoot.
    assert uid.isdigit()
    assert int(uid) >= 10000
    (healthcheck,) = final.all("HEALTHCHECK")
    assert "CMD" in healthcheck
    _, _, port = SERVICES[service]
    assert final.all("EXPOSE") == ([port] if port else [])
    if port:
        variable = "DJANGO_PORT" if port == "8000" else "REALTIME_PORT"
        assert "localhost:%s/healthz" in healthcheck
        assert f"os.environ.get('{variable}', '{port}')" in healthcheck


def test_final_stage_carries_no_build_tools_or_secrets(stages: list[Stage]) -> None:
    final = stages[-1]
    for run in final.all("RUN"):
        assert not any(tool in run for tool in BUILD_TOOLS), run
    for copy in final.all("COPY"):
        assert copy.startswith("--from="), f"the final stage copies only build results: {copy}"
    for stage in stages:
        for declaration in stage.all("ENV") + stage.all("ARG"):
            assert not re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL|EMAIL_URL", declaration), (
                declaration
            )


def test_default_commands_match_the_services(service: str, stages: list[Stage]) -> None:
    (cmd,) = stages[-1].all("CMD")
    argv = exec_form(cmd)
    if service == "admin_django":
        assert argv == [
            "gunicorn",
            "--config",
            "/app/gunicorn.conf.py",
            "waybill_django.config.wsgi:application",
        ]
    elif service == "realtime_fastapi":
        # The entry point applies the frame limit, JSON logs and the shutdown grace from the settings.
        assert argv == ["waybill-realtime"]
    else:
        assert argv[:4] == ["celery", "--app", "waybill_worker.celery_app", "worker"]


def test_django_static_files_are_baked_into_the_image() -> None:
    build, final = parse_dockerfile(REPO / "services" / "admin_django" / "Dockerfile")
    (collect,) = [run for run in build.all("RUN") if "collectstatic" in run]
    assert "DJANGO_SETTINGS_MODULE=waybill_django.config.settings.production" in collect
    assert "--from=build /opt/staticfiles /app/staticfiles" in final.all("COPY")
    assert "STATIC_ROOT=/app/staticfiles" in " ".join(final.all("ENV"))


# --- .dockerignore ----------------------------------------------------------------------------


def dockerignore_allows(path: str) -> bool:
    """Docker's rule: the last pattern that matches a path decides."""
    allowed = True
    for line in (REPO / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(
            fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.replace("**/", "*/"))
            for prefix in prefixes
        ) or (pattern.startswith("**/") and any(fnmatch.fnmatch(part, pattern[3:]) for part in parts)):
            allowed = negated
    return allowed


def test_dockerignore_admits_what_the_dockerfiles_copy_and_nothing_sensitive() -> None:
    for dockerfile in (REPO / "services").glob("*/Dockerfile"):
        for stage in parse_dockerfile(dockerfile):
            for copy in stage.all("COPY"):
                if copy.startswith("--from="):
                    continue
                for source in copy.split()[:-1]:
                    assert dockerignore_allows(source), f"{dockerfile}: {source} is ignored"
            for run in stage.all("RUN"):
                for source in re.findall(r"--mount=type=bind,source=([^,]+)", run):
                    assert dockerignore_allows(source + "/x.whl"), f"{dockerfile}: {source} is ignored"
    for sensitive in (".git/config", ".env", ".venv/bin/python", ".local/pg/data", "services/worker/.env"):
        assert not dockerignore_allows(sensitive), sensitive
    assert not dockerignore_allows("services/admin_django/tests/test_x.py")


# --- docker-compose.yml -----------------------------------------------------------------------

COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
APP_SERVICES = ("migrate", "django", "realtime", "worker", "beat", "worker-metrics")


def test_compose_runs_the_whole_stack() -> None:
    assert set(COMPOSE["services"]) == {
        "postgres",
        "redis",
        "mailpit",
        "migrate",
        "django",
        "realtime",
        "worker",
        "beat",
        "worker-metrics",
        "proxy",
    }


def test_compose_images_are_pinned_or_built_here() -> None:
    for name, service in COMPOSE["services"].items():
        image = service["image"]
        if image.startswith("waybill-"):
            assert image.endswith(":local"), name
        else:
            assert PINNED_IMAGE.match(image), f"{name}: {image} is not pinned to a version"


def test_compose_builds_each_image_once_from_its_dockerfile() -> None:
    built = {}
    for name, service in COMPOSE["services"].items():
        if "build" in service:
            assert service["build"]["context"] == "."
            assert (REPO / service["build"]["dockerfile"]).is_file(), name
            built[service["image"]] = name
    for name, service in COMPOSE["services"].items():
        if service["image"].startswith("waybill-") and "build" not in service:
            assert service["image"] in built, name
            assert service["pull_policy"] == "never", name


def test_compose_starts_in_health_order() -> None:
    services = COMPOSE["services"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["command"] == ["waybill-django", "migrate", "--no-input"]
    for name in ("django", "realtime", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert {d["condition"] for d in services["proxy"]["depends_on"].values()} == {"service_healthy"}


def test_compose_runs_one_beat() -> None:
    beat = COMPOSE["services"]["beat"]
    assert beat["command"][:4] == ["celery", "--app", "waybill_worker.celery_app", "beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_compose_app_containers_are_hardened() -> None:
    for name in APP_SERVICES:
        service = COMPOSE["services"][name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert CONTAINER_TMP in service["tmpfs"], name


def test_compose_keeps_data_in_named_volumes() -> None:
    declared = set(COMPOSE["volumes"])
    used = {
        volume.split(":")[0]
        for service in COMPOSE["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith(".")
    }
    assert used == declared == {"postgres-data", "redis-data", "media"}


def test_compose_credentials_are_marked_dev_only() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    assert "DEV-ONLY CREDENTIALS" in text
    environment = COMPOSE["services"]["django"]["environment"]
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        assert "dev-only" in environment[key], key
    assert "dev-only" in COMPOSE["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_compose_publishes_ports_on_loopback_only() -> None:
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), name


def test_compose_proxy_routes_like_the_ingress() -> None:
    caddyfile = (REPO / "infra" / "docker" / "Caddyfile").read_text()
    match = re.search(r"@realtime path (.+)", caddyfile)
    assert match
    caddy_paths = match.group(1).split()
    for ingress_path in ("/ws", "/v1/", "/auth/"):
        assert any(fnmatch.fnmatch(ingress_path + "x", p) or p == ingress_path for p in caddy_paths), (
            ingress_path
        )
    assert "reverse_proxy @realtime realtime:8001" in caddyfile
    assert "reverse_proxy django:8000" in caddyfile


# --- what the images run exists ---------------------------------------------------------------


def module_file(module: str) -> Path:
    package = module.split(".")[0]
    service = {
        "waybill_django": "admin_django",
        "waybill_realtime": "realtime_fastapi",
        "waybill_worker": "worker",
    }[package]
    return REPO / "services" / service / "src" / (module.replace(".", "/") + ".py")


@pytest.mark.parametrize(
    "module",
    [
        "waybill_django.config.wsgi",
        "waybill_realtime.main",
        "waybill_worker.celery_app",
        "waybill_worker.check",
    ],
)
def test_the_modules_the_images_run_exist(module: str) -> None:
    assert module_file(module).is_file(), module


@pytest.mark.parametrize(
    ("service", "script"),
    [
        ("admin_django", "waybill-django"),
        ("worker", "waybill-worker-check"),
        ("realtime_fastapi", "waybill-realtime"),
    ],
)
def test_the_console_scripts_the_images_run_are_declared(service: str, script: str) -> None:
    pyproject = (REPO / "services" / service / "pyproject.toml").read_text()
    assert re.search(rf'^{script} = "', pyproject, flags=re.MULTILINE), script
