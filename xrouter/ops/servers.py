"""Start and stop the local servers: the MLflow tracking server, the Prefect server and a Prefect worker.

One place for how each is started, shared by `make ui` (xrouter/ops/stack.py) and the tests' session fixtures.
Everything listens on 127.0.0.1 and runs offline: LiteLLM (imported by MLflow's `mlflow.genai`, which its server
loads) downloads its price map at import unless `LITELLM_LOCAL_MODEL_COST_MAP=True`, and without it the MLflow
server hangs on an import lock on a machine with no internet; Prefect's analytics are off.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from xrouter.ops.net import wait_until_answers

BIN = Path(sys.executable).parent
WORK_POOL = "xrouter-process"


def offline_env(base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment every server and flow process here gets (on top of `base`, default os.environ)."""
    env = dict(os.environ if base is None else base)
    env.update({
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",      # no price-map download at import (it hangs offline)
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",   # dvc, prefect, mlflow beside this interpreter
    })
    env.update(extra)
    return env


@dataclass
class Service:
    """A server process we started: where a person opens it, how we check it answers, its log."""

    name: str
    url: str
    health_url: str
    pid: int
    log: Path
    proc: subprocess.Popen | None = None  # set in the process that started it

    def alive(self) -> str | None:
        """None while running; else why not (with the log's tail)."""
        if self.proc is not None and self.proc.poll() is None:
            return None
        if self.proc is None and _pid_alive(self.pid):
            return None
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.is_file() else ""
        return f"{self.name} exited; log {self.log}:\n{tail}"

    def wait(self, timeout: float) -> float:
        return wait_until_answers(self.health_url, timeout, self.alive)

    def stop(self, grace: float = 10.0) -> None:
        stop_pid(self.pid, grace, self.proc)
        if self.proc is not None:
            self.proc.wait(timeout=5)

    def record(self) -> dict:
        return {"name": self.name, "url": self.url, "health_url": self.health_url, "pid": self.pid,
                "log": str(self.log)}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_pid(pid: int, grace: float = 15.0, child: subprocess.Popen | None = None) -> None:
    """SIGTERM the process group we started (servers fork workers), SIGKILL after `grace` seconds. `child`, when
    the leader is this process's own child, is reaped as soon as it exits: an unreaped zombie still counts as a
    member of its group, and the wait would otherwise last the whole grace period."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if child is not None:
            child.poll()
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _spawn(name: str, cmd: list[str], log: Path, env: dict[str, str], url: str, health: str,
           cwd: Path | None = None) -> Service:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)  # its own process group: stop() ends its children too
    return Service(name, url, health, proc.pid, log, proc)


def start_mlflow(backend_store_uri: str, artifacts_dir: Path, port: int, log: Path,
                 env: dict[str, str] | None = None) -> Service:
    """`mlflow server` with `backend_store_uri` (runs, metrics, the model registry) and artifacts served by the
    server itself from `artifacts_dir` (clients log through HTTP: `mlflow-artifacts:/`). MLflow 3's job runner
    (huey consumers for GenAI jobs such as prompt optimization, three extra Python processes of ~390 MB each)
    is switched off: nothing here submits jobs."""
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "mlflow"), "server", "--backend-store-uri", backend_store_uri, "--serve-artifacts",
           "--artifacts-destination", str(artifacts_dir.resolve()), "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1"]
    return _spawn("mlflow", cmd, log, offline_env(env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false"), url,
                  f"{url}/health")


def start_prefect(home: Path, port: int, log: Path, env: dict[str, str] | None = None,
                  database_url: str | None = None) -> Service:
    """`prefect server start` (API + UI), its settings in `home`. Its database is `database_url`
    (`postgresql+asyncpg://...`), or SQLite in `home` when None: SQLite answers 500 "database is locked" when a
    worker, a deploy and flow runs write at once, so the operations stack and the tests give it PostgreSQL."""
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    database = {"PREFECT_API_DATABASE_CONNECTION_URL": database_url} if database_url else {}
    server_env = offline_env(env, PREFECT_HOME=str(home.resolve()), PREFECT_API_URL="",
                             PREFECT_UI_API_URL=f"{url}/api", **database)
    cmd = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    return _spawn("prefect", cmd, log, server_env, url, f"{url}/api/health")


def client_env(api_url: str, home: Path, tracking_uri: str | None = None,
               env: dict[str, str] | None = None) -> dict[str, str]:
    """What a flow, a worker or the prefect CLI needs to talk to our servers."""
    extra = {"PREFECT_API_URL": api_url, "PREFECT_HOME": str(home.resolve())}
    if tracking_uri:
        extra["MLFLOW_TRACKING_URI"] = tracking_uri
    return offline_env(env, **extra)


def ensure_work_pool(env: dict[str, str], name: str = WORK_POOL) -> None:
    """A `process` work pool (the worker runs each flow run as a local subprocess); no-op when it exists."""
    if subprocess.run([str(BIN / "prefect"), "work-pool", "inspect", name], env=env, capture_output=True).returncode:
        subprocess.run([str(BIN / "prefect"), "work-pool", "create", name, "--type", "process"], env=env,
                       check=True, capture_output=True)


def start_worker(env: dict[str, str], log: Path, cwd: Path, pool: str = WORK_POOL,
                 run_once: bool = False) -> Service:
    cmd = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process"]
    if run_once:
        cmd.append("--run-once")
    api = env["PREFECT_API_URL"]
    return _spawn("prefect-worker", cmd, log, env, api.removesuffix("/api"), f"{api}/health", cwd=cwd)


def deploy_all(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`prefect deploy --all` from the project root (reads its prefect.yaml); raises with the CLI's output."""
    proc = subprocess.run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"prefect deploy --all failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}"
                           f"\n{proc.stderr[-3000:]}")
    return proc
