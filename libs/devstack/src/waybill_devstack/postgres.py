"""A real PostgreSQL server from the ``pgserver`` wheel, run as a child process.

``pgserver`` ships the PostgreSQL 16 binaries; we drive them ourselves so the
server listens on a TCP port of our choosing and runs in the foreground under
our process supervisor (its log goes to our console, Ctrl-C stops it).
"""

import os
import pwd
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from waybill_devstack.packages import package_dir
from waybill_devstack.supervisor import as_user

BIN_DIR = package_dir("pgserver") / "pginstall" / "bin"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as this system user.
SYSTEM_USER_WHEN_ROOT = "waybill-pg"


@dataclass(frozen=True)
class LocalPostgres:
    data_dir: Path
    port: int
    durable: bool = True
    host: str = "127.0.0.1"

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    @property
    def run_as(self) -> str | None:
        return SYSTEM_USER_WHEN_ROOT if os.geteuid() == 0 else None

    def initialize(self) -> None:
        """Create the cluster on first use; later calls change nothing."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            _ensure_system_user(self.run_as)
            _make_traversable(self.data_dir)
            _make_readable(BIN_DIR.parent)
            shutil.chown(self.data_dir, user=self.run_as, group=self.run_as)
        if (self.data_dir / "PG_VERSION").exists():
            return
        subprocess.run(
            [
                str(BIN_DIR / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                SUPERUSER,
                # Trust on loopback only: a development server with no password.
                "--auth-local=trust",
                "--auth-host=trust",
                "--encoding=UTF8",
                "--no-instructions",
            ],
            check=True,
            **as_user(self.run_as),
            stdout=subprocess.DEVNULL,
        )

    def command(self) -> list[str]:
        """The foreground server command, for the process supervisor."""
        return [
            str(BIN_DIR / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-h",
            self.host,
            "-k",
            str(self.data_dir),
            "-c",
            "max_connections=200",
            # A throwaway test cluster trades crash safety for speed.
            "-c",
            "fsync=on" if self.durable else "fsync=off",
            "-c",
            "synchronous_commit=on" if self.durable else "synchronous_commit=off",
        ]

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def ensure_database(self, name: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", name], check=True)


def _make_traversable(path: Path) -> None:
    """Let another user reach ``path``: add o+x to every parent directory."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _make_readable(tree: Path) -> None:
    _make_traversable(tree)
    for root, dirs, files in os.walk(tree):
        for name in dirs + files:
            entry = Path(root) / name
            mode = entry.stat().st_mode
            wanted = mode | stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0)
            if wanted != mode:
                entry.chmod(wanted)
