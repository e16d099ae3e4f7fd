"""The servers `make ui` and the fixtures start answer on these offline machines: MLflow's server (which
imports LiteLLM; offline it hangs unless LiteLLM uses its bundled price map) serves its REST API and UI on
a PostgreSQL backend store; Prefect's server serves its API and UI."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_mlflow_server_answers_offline_on_postgresql(stack, postgres) -> None:
    import psycopg

    r = httpx.post(f"{stack.mlflow.url}/api/2.0/mlflow/experiments/create", json={"name": "answers-test"}, timeout=30)
    assert r.status_code == 200, r.text
    experiment_id = r.json()["experiment_id"]
    with psycopg.connect(postgres.url("mlflow")) as conn:  # the row lives in PostgreSQL, not a local file
        names = [row[0] for row in conn.execute("SELECT name FROM experiments WHERE experiment_id = %s",
                                                (int(experiment_id),))]
    assert names == ["answers-test"]
    ui = httpx.get(f"{stack.mlflow.url}/", timeout=30)
    assert ui.status_code == 200 and "<html" in ui.text.lower()


def test_prefect_server_answers_api_and_ui(stack) -> None:
    assert httpx.get(f"{stack.api_url}/health", timeout=30).json() is True
    ui = httpx.get(f"{stack.prefect.url}/", timeout=30)
    assert ui.status_code == 200 and "<html" in ui.text.lower()
