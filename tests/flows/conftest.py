"""Real servers for the flow tests, one of each per session (start-up is the cost): a Prefect server process
and an MLflow tracking server, both on the session's PostgreSQL, started by the same code as `make ui`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
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

    def client(self) -> httpx.Client:
        """An HTTP client on the Prefect API that fails at once, with the server's answer, on an error status
        (rather than later, on a key missing from an error body)."""
        return httpx.Client(base_url=self.api_url, timeout=30, event_hooks={"response": [_raise_with_body]})


def _raise_with_body(response: httpx.Response) -> None:
    if response.is_error:
        response.read()
        raise AssertionError(f"{response.request.method} {response.request.url} -> {response.status_code}: "
                             f"{response.text[:2000]}")


@pytest.fixture(scope="session")
def stack(postgres, tmp_path_factory) -> Stack:
    root = tmp_path_factory.mktemp("stack")
    postgres.create_database("mlflow")
    mlflow = start_mlflow(postgres.url("mlflow", driver="postgresql+psycopg"), root / "mlartifacts", free_port(),
                          root / "mlflow.log")
    postgres.create_database("prefect")
    prefect = start_prefect(root / "prefect-server", free_port(), root / "prefect.log",
                            database_url=postgres.url("prefect", driver="postgresql+asyncpg"))
    try:
        prefect.wait(240)
        mlflow.wait(240)
        home = root / "prefect-client"
        yield Stack(prefect, mlflow, home, client_env(f"{prefect.url}/api", home, mlflow.url))
    finally:
        prefect.stop()
        mlflow.stop()
