"""A throwaway PostgreSQL server for tests: `initdb` in a temp dir, `pg_ctl start` on a free 127.0.0.1 port.

The OS package `postgresql` provides the binaries (`make test` / `.ci/run` install it: `make system-deps`).
PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` OS user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).is_file():
            return str(d / name)
    raise RuntimeError(f"PostgreSQL binary {name!r} not found: run `make system-deps` (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    port: int
    datadir: Path
    user: str = "xrouter"

    def url(self, database: str = "xrouter", driver: str = "postgresql") -> str:
        """SQLAlchemy-style URL (`postgresql+psycopg://...` with driver='postgresql+psycopg')."""
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name],
                       check=True, capture_output=True)
        return name


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def start_postgres(root: Path | None = None) -> tuple[PostgresServer, "callable"]:
    """Start a server; returns it and a stop function. Trust auth on 127.0.0.1 only; fsync off (tests)."""
    root = Path(tempfile.mkdtemp(prefix="xrouter-pg-", dir=root))
    datadir = root / "data"
    owner = "postgres" if os.geteuid() == 0 else None
    if owner:
        pw = pwd.getpwnam(owner)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    subprocess.run(_as_owner([_bin("initdb"), "-D", str(datadir), "-U", "xrouter", "--auth=trust",
                              "-E", "UTF8", "--no-sync"], owner), check=True, capture_output=True)
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=200"
    subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(datadir), "-o", opts, "-l", str(root / "log"),
                              "-w", "-t", "60", "start"], owner), check=True, capture_output=True)
    server = PostgresServer(port=port, datadir=datadir)
    deadline = time.monotonic() + 30
    while True:
        r = subprocess.run([_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True)
        if r.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not start: {(root / 'log').read_text()[-2000:]}")
        time.sleep(0.2)
    server.create_database("xrouter")

    def stop() -> None:
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"], owner),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)

    return server, stop
