"""A throwaway PostgreSQL server for tests: `initdb` in a temporary folder, `postgres` listening on a free
127.0.0.1 port (password login over TCP), stopped and removed at the end. PostgreSQL refuses to run as
root, so under root it runs as the unprivileged user `nobody`. Where no server binaries are installed
(`.ci/run` installs the distribution's package) the tests that need one skip, saying so.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

UNPRIVILEGED = "nobody"
SUPERUSER = "postgres"
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class PostgresServer:
    port: int
    password: str  # the superuser's
    host: str = "127.0.0.1"

    def url(self, user: str = SUPERUSER, password: str | None = None, database: str = "postgres") -> str:
        """A SQLAlchemy URL for `user` (psycopg 3)."""
        return f"postgresql+psycopg://{user}:{password or self.password}@{self.host}:{self.port}/{database}"

    def connect(
        self, user: str = SUPERUSER, password: str | None = None, database: str = "postgres"
    ) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=user,
            password=password or self.password,
            dbname=database,
            autocommit=True,
        )


def server_binaries() -> Path | None:
    """The folder holding initdb and postgres: on PATH, else Debian's /usr/lib/postgresql/<version>/bin
    (the newest)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    return versions[-1].parent if versions else None


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server not installed: no initdb/postgres on PATH or under /usr/lib/postgresql "
            "(.ci/run installs the distribution's postgresql package)"
        )
    base = Path(tempfile.mkdtemp(prefix="barometer-pg-"))  # not under pytest's root-only tmp folders
    run_as = _unprivileged(base)
    password = secrets.token_urlsafe(16)
    (base / "pwfile").write_text(password + "\n", encoding="utf-8")
    data, log = base / "data", base / "server.log"
    subprocess.run(
        [
            str(binaries / "initdb"),
            f"--pgdata={data}",
            f"--username={SUPERUSER}",
            f"--pwfile={base / 'pwfile'}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "--encoding=UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        **run_as,
    )
    port = _free_port()
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                str(binaries / "postgres"),
                f"-D{data}",
                "-h127.0.0.1",
                f"-p{port}",
                f"-k{base}",
                "-cfsync=off",
                "-csynchronous_commit=off",
                "-cfull_page_writes=off",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            **run_as,
        )
    try:
        instance = PostgresServer(port=port, password=password)
        _wait_ready(instance, server, log)
        yield instance
    finally:
        server.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(base, ignore_errors=True)


def _unprivileged(base: Path) -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    import pwd

    user = pwd.getpwnam(UNPRIVILEGED)
    os.chown(base, user.pw_uid, user.pw_gid)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(instance: PostgresServer, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"PostgreSQL stopped at start:\n{log.read_text(errors='replace')}")
        try:
            instance.connect().close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL not ready after {START_TIMEOUT:g}s:\n{log.read_text(errors='replace')}"
                ) from None
            time.sleep(0.1)
