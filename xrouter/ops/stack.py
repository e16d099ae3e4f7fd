"""`make ui` / `make ui-stop`: the operations stack on this machine, on 127.0.0.1 with fixed ports.

    up:   PostgreSQL (cluster kept in .xrouter/postgres)      127.0.0.1:5433
          MLflow tracking server (backend store: that PostgreSQL, database `mlflow`;
          artifacts served from .xrouter/mlartifacts)          http://127.0.0.1:5000
          Prefect server (API + UI; database `prefect` on that PostgreSQL)  http://127.0.0.1:4200
          a Prefect worker on the `xrouter-process` work pool (runs flow runs in this folder, logging to the
          MLflow server), then `prefect deploy --all` (prefect.yaml), and prints the addresses.
    down: stops what `up` started (pids in .xrouter/stack.json), PostgreSQL last.

`make run` does not use any of it: DVC stages log to params.yaml's SQLite store unless MLFLOW_TRACKING_URI is
set (the worker has it set to the MLflow server).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xrouter.ops.net import port_in_use
from xrouter.ops.postgres import start_cluster, stop_cluster
from xrouter.ops.servers import (WORK_POOL, client_env, deploy_all, ensure_work_pool, start_mlflow, start_prefect,
                                 start_worker, stop_pid)

PORTS = {"postgres": 5433, "mlflow": 5000, "prefect": 4200}
STATE = "stack.json"


def up(project: Path, ports: dict[str, int], deploy: bool = True) -> dict:
    home = project / ".xrouter"
    state_path = home / STATE
    if state_path.is_file():
        raise SystemExit(f"already started ({state_path}); `make ui-stop` first")
    busy = [f"{name} {port}" for name, port in ports.items() if port_in_use(port)]
    if busy:
        raise SystemExit(f"ports in use: {', '.join(busy)} (choose others: make ui PREFECT_PORT=... MLFLOW_PORT=... "
                         "PG_PORT=...)")
    logs = home / "logs"
    state: dict = {"services": []}

    def save() -> None:
        state_path.write_text(json.dumps(state, indent=2) + "\n")

    pg = start_cluster(home / "postgres", ports["postgres"])
    state["postgres"] = {"datadir": str(pg.datadir), "url": pg.url("mlflow", driver="postgresql+psycopg")}
    save()
    pg.create_database("mlflow", exist_ok=True)
    mlflow = start_mlflow(pg.url("mlflow", driver="postgresql+psycopg"), home / "mlartifacts", ports["mlflow"],
                          logs / "mlflow.log")
    pg.create_database("prefect", exist_ok=True)
    prefect = start_prefect(home / "prefect", ports["prefect"], logs / "prefect.log",
                            database_url=pg.url("prefect", driver="postgresql+asyncpg"))
    state["services"] += [mlflow.record(), prefect.record()]
    save()
    print(f"waiting for the servers (MLflow ≈ 20-60 s, Prefect ≈ 15-30 s here) ... logs in {logs}", flush=True)
    prefect.wait(300)
    mlflow.wait(300)
    env = client_env(f"{prefect.url}/api", home / "prefect-client", mlflow.url)
    ensure_work_pool(env)
    worker = start_worker(env, logs / "worker.log", project)
    state["services"].append(worker.record())
    save()
    if deploy:
        deploy_all(project, env)
    print("\n".join([
        "xrouter operations stack is up:",
        f"  Prefect UI + API   {prefect.url}      (worker on work pool '{WORK_POOL}'; deployments from prefect.yaml)",
        f"  MLflow UI          {mlflow.url}      (backend store PostgreSQL 127.0.0.1:{ports['postgres']}/mlflow, "
        f"artifacts {home / 'mlartifacts'})",
        f"  use them here:     export PREFECT_API_URL={prefect.url}/api MLFLOW_TRACKING_URI={mlflow.url}",
        "  run a deployment:  prefect deployment run xrouter-pipeline/xrouter-pipeline",
        "  stop:              make ui-stop",
    ]))
    return state


def down(project: Path) -> None:
    state_path = project / ".xrouter" / STATE
    if not state_path.is_file():
        print("nothing to stop (no .xrouter/stack.json)")
        return
    state = json.loads(state_path.read_text())
    for service in reversed(state["services"]):
        stop_pid(service["pid"])
        print(f"stopped {service['name']} (pid {service['pid']})")
    if "postgres" in state:
        stop_cluster(Path(state["postgres"]["datadir"]))
        print("stopped PostgreSQL")
    state_path.unlink()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="The local operations stack (make ui / make ui-stop).")
    ap.add_argument("command", choices=["up", "down"])
    ap.add_argument("--project", type=Path, default=Path.cwd())
    ap.add_argument("--prefect-port", type=int, default=PORTS["prefect"])
    ap.add_argument("--mlflow-port", type=int, default=PORTS["mlflow"])
    ap.add_argument("--pg-port", type=int, default=PORTS["postgres"])
    ap.add_argument("--no-deploy", action="store_true", help="skip `prefect deploy --all`")
    args = ap.parse_args(argv)
    project = args.project.resolve()
    if args.command == "down":
        down(project)
        return
    ports = {"postgres": args.pg_port, "mlflow": args.mlflow_port, "prefect": args.prefect_port}
    try:
        up(project, ports, deploy=not args.no_deploy)
    except Exception:
        down(project)  # leave nothing half-started behind
        raise


if __name__ == "__main__":
    sys.exit(main())
