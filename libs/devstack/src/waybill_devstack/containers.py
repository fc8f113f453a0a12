"""Start Waybill's images with podman exactly as a manifest declares a container (the image tests).

Every container shares the host's network (the backends and the sinks listen
on 127.0.0.1), runs as the declared uid:gid with a read-only root filesystem,
no capabilities and no privilege escalation, and may write only the declared
mounts: scratch ones as tmpfs, shared ones as a host directory all containers
mount.
"""

import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from waybill_devstack.deployment import AppContainer
from waybill_devstack.front_door import FrontDoor
from waybill_devstack.settings import REPO_ROOT
from waybill_devstack.sinks import SmtpSink, WebhookReceiver

CONTAINERS_CONF = REPO_ROOT / "infra" / "docker" / "containers.conf"
SCRATCH_SIZE = "256m"
SERVICE_UID = 10001
LONG_RUNNING = ("django", "realtime", "worker", "beat", "worker-metrics")


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(CONTAINERS_CONF))}
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, check=check, timeout=timeout, env=env
    )


@dataclass
class Pod:
    """The containers of one test run, removed (their logs kept under ``log_dir``) at the end."""

    tag: str
    shared_dir: Path
    """Backs every shared mount (the media volume)."""
    log_dir: Path
    prefix: str = field(default_factory=lambda: f"waybill-it-{uuid.uuid4().hex[:8]}")
    started: list[str] = field(default_factory=list)

    def name(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def run_args(
        self, spec: AppContainer, env: dict[str, str], command: list[str] | None = None
    ) -> list[str]:
        args = ["--runtime", "runc", "--network", "host", "--read-only", "--read-only-tmpfs=false"]
        args += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        if spec.run_as:
            args += ["--user", spec.run_as]
        for path in sorted(spec.writable):
            if path in spec.shared:
                args += ["--volume", f"{self.shared_dir}:{path}"]
            else:
                args += ["--tmpfs", f"{path}:rw,size={SCRATCH_SIZE},mode=1777"]
        for key, value in sorted(env.items()):
            args += ["--env", f"{key}={value}"]
        argv = command if command is not None else spec.command
        return [*args, f"{spec.image}:{self.tag}", *(argv or [])]

    def start(self, key: str, spec: AppContainer, env: dict[str, str]) -> str:
        name = self.name(key)
        podman("run", "--detach", "--name", name, *self.run_args(spec, env))
        self.started.append(name)
        return name

    def run_to_completion(
        self,
        key: str,
        spec: AppContainer,
        env: dict[str, str],
        command: list[str] | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """Run a one-off container (a Job, an operator's command) and return how it ended."""
        name = self.name(key)
        self.started.append(name)
        return podman("run", "--name", name, *self.run_args(spec, env, command), check=False, timeout=timeout)

    def exec(self, key: str, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return podman("exec", self.name(key), *argv, check=False, timeout=timeout)

    def logs(self, key: str) -> str:
        result = podman("logs", self.name(key), check=False)
        return result.stdout + result.stderr

    def is_running(self, key: str) -> bool:
        result = podman("inspect", "--format", "{{.State.Running}}", self.name(key), check=False)
        return result.stdout.strip() == "true"

    def inspect(self, key: str, template: str) -> str:
        return podman("inspect", "--format", template, self.name(key)).stdout.strip()

    def remove_all(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.started:
            result = podman("logs", name, check=False)
            (self.log_dir / f"{name.removeprefix(self.prefix + '-')}.log").write_text(
                result.stdout + result.stderr
            )
        for name in reversed(self.started):
            podman("rm", "--force", "--time", "10", name, check=False)


@dataclass
class Deployment:
    """The running containers of one image test session and what they talk to."""

    pod: Pod
    specs: dict[str, AppContainer]
    env: dict[str, dict[str, str]]
    front_door: FrontDoor
    smtp: SmtpSink
    webhooks: WebhookReceiver
    database_url: str
    media_dir: Path

    def port_of(self, key: str, port_name: str) -> int:
        """Where a named containerPort listens here (the services are told their port by variable)."""
        variable = {"django": "DJANGO_PORT", "realtime": "REALTIME_PORT"}.get(key)
        return int(self.env[key][variable]) if variable else self.specs[key].ports[port_name]

    def probe_passes(self, key: str, probe: dict[str, object]) -> bool:
        if "exec" in probe:
            command = probe["exec"]
            assert isinstance(command, dict)
            return self.pod.exec(key, list(command["command"])).returncode == 0
        get = probe["httpGet"]
        assert isinstance(get, dict)
        headers = {header["name"]: header["value"] for header in get.get("httpHeaders", [])}
        url = f"http://127.0.0.1:{self.port_of(key, get['port'])}{get['path']}"
        try:
            return httpx.get(url, headers=headers, timeout=3).status_code < 400
        except httpx.TransportError:
            return False
