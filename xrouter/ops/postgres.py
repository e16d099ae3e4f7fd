"""A PostgreSQL server of our own: `initdb` in a folder, `pg_ctl start` on a 127.0.0.1 port.

Tests get a throwaway cluster in a temp dir (removed at stop); `make ui` keeps one under `.xrouter/postgres`
across restarts. The OS package `postgresql` provides the binaries (`make system-deps`). PostgreSQL refuses to
run as root, so under root the cluster belongs to the `postgres` OS user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xrouter.ops.net import free_port

USER = "xrouter"


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).is_file():
            return str(d / name)
    raise RuntimeError(f"PostgreSQL binary {name!r} not found: run `make system-deps` (apt-get install postgresql)")


@dataclass
class PostgresServer:
    port: int
    datadir: Path
    user: str = USER

    def url(self, database: str = "xrouter", driver: str = "postgresql") -> str:
        """SQLAlchemy-style URL (`postgresql+psycopg://...` with driver='postgresql+psycopg')."""
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, exist_ok: bool = False) -> str:
        proc = subprocess.run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name],
                              capture_output=True, text=True)
        if proc.returncode != 0 and not (exist_ok and "already exists" in proc.stderr):
            raise RuntimeError(f"createdb {name}: {proc.stderr.strip()}")
        return name


def _owner() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def _chown(path: Path, owner: str | None) -> None:
    if owner:
        pw = pwd.getpwnam(owner)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def start_cluster(root: Path, port: int, *, fsync: bool = True) -> PostgresServer:
    """Start the cluster in `root/data` (created by `initdb` the first time) on 127.0.0.1:`port`; trust auth
    on 127.0.0.1 only. Returns once it accepts connections."""
    root.mkdir(parents=True, exist_ok=True)
    owner = _owner()
    _chown(root, owner)
    datadir = root / "data"
    if not (datadir / "PG_VERSION").is_file():
        subprocess.run(_as_owner([pg_bin("initdb"), "-D", str(datadir), "-U", USER, "--auth=trust", "-E", "UTF8",
                                  "--no-sync"], owner), check=True, capture_output=True)
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=200"
    if not fsync:
        opts += " -c fsync=off"
    proc = subprocess.run(_as_owner([pg_bin("pg_ctl"), "-D", str(datadir), "-o", opts, "-l", str(root / "log"),
                                     "-w", "-t", "60", "start"], owner), capture_output=True, text=True)
    if proc.returncode != 0:
        log = (root / "log").read_text()[-2000:] if (root / "log").is_file() else ""
        raise RuntimeError(f"PostgreSQL did not start on port {port}: {proc.stderr.strip()}\n{log}")
    deadline = time.monotonic() + 30
    while subprocess.run([pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True).returncode:
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not accept connections: {(root / 'log').read_text()[-2000:]}")
        time.sleep(0.2)
    server = PostgresServer(port=port, datadir=datadir)
    server.create_database("xrouter", exist_ok=True)
    return server


def stop_cluster(datadir: Path, mode: str = "fast") -> None:
    subprocess.run(_as_owner([pg_bin("pg_ctl"), "-D", str(datadir), "-m", mode, "stop"], _owner()),
                   capture_output=True)


def start_postgres(root: Path | None = None) -> tuple[PostgresServer, Callable[[], None]]:
    """A throwaway server (tests): a fresh cluster in a temp dir, fsync off; returns it and a stop function
    that removes the cluster."""
    tmp = Path(tempfile.mkdtemp(prefix="xrouter-pg-", dir=root))
    server = start_cluster(tmp, free_port(), fsync=False)

    def stop() -> None:
        stop_cluster(server.datadir, mode="immediate")
        shutil.rmtree(tmp, ignore_errors=True)

    return server, stop
