"""Real servers for the flow tests, one of each per session (start-up is the cost): a Prefect server process
and an MLflow tracking server on the session's PostgreSQL, started by the same code as `make ui`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from xrouter.ops.net import free_port
from xrouter.ops.servers import Service, client_env, start_mlflow, start_prefect


@dataclass
class Stack:
    prefect: Service
    mlflow: Service
    home: Path        # PREFECT_HOME of clients
    env: dict         # environment of a flow / CLI process talking to both servers

    @property
    def api_url(self) -> str:
        return f"{self.prefect.url}/api"


@pytest.fixture(scope="session")
def stack(postgres, tmp_path_factory) -> Stack:
    root = tmp_path_factory.mktemp("stack")
    postgres.create_database("mlflow")
    mlflow = start_mlflow(postgres.url("mlflow", driver="postgresql+psycopg"), root / "mlartifacts", free_port(),
                          root / "mlflow.log")
    prefect = start_prefect(root / "prefect-server", free_port(), root / "prefect.log")
    try:
        prefect.wait(240)
        mlflow.wait(240)
        home = root / "prefect-client"
        yield Stack(prefect, mlflow, home, client_env(f"{prefect.url}/api", home, mlflow.url))
    finally:
        prefect.stop()
        mlflow.stop()
