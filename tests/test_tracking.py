"""The train worker's MLflow side on a real SQLite store: per-step curves, the operating λ, and the router
registered as a pyfunc model that loads back and routes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from xrouter.env.config import EnvParams
from xrouter.rl.embedded.run import TrainParams, run_embedded
from xrouter.tracking import MlflowParams, log_router_model, setup_mlflow


@pytest.mark.slow
def test_a_short_training_run_logs_its_curves_and_registers_a_router_that_predicts(data_dir, tmp_path) -> None:
    setup_mlflow(MlflowParams(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", experiment="train-test"), tmp_path)
    import mlflow
    from mlflow.tracking import MlflowClient

    tp = TrainParams(eval_lambdas=[1.0, 10.0, 100.0], select_lambdas=[10.0],
                     embedded={"steps": 4, "groups_per_step": 8, "eval_every": 2, "dapo": {"group_size": 4}})
    with mlflow.start_run() as run:
        outcome = run_embedded(data_dir, tmp_path / "router", EnvParams(), tp)
        version = log_router_model(tmp_path / "router", "router-test")

    client = MlflowClient()
    rewards = client.get_metric_history(run.info.run_id, "reward")
    assert [m.step for m in rewards] == [0, 1, 2, 3]
    logged = client.get_run(run.info.run_id).data.metrics
    operating = outcome.summary["operating_point"]["lambda"]
    assert logged["operating_lambda"] == operating and operating in tp.eval_lambdas
    assert {"max_call_share", "dropped_group_fraction", "val/max_call_share"} <= set(logged)
    assert json.loads((tmp_path / "router" / "router.json").read_text())["operating_lambda"] == operating

    model = mlflow.pyfunc.load_model(f"models:/router-test/{version}")
    card = json.loads((tmp_path / "router" / "router.json").read_text())
    queries = ["What is 17 * 23?", "Predict the output of f(3) where def f(x): return x * 2"]
    routed = model.predict(pd.DataFrame({"query": queries}))
    assert len(routed) == 2 and set(routed) <= set(card["models"])
    at_cheap = model.predict(pd.DataFrame({"query": queries, "lambda": [1e6, 1e6]}))
    assert set(at_cheap) <= set(card["models"])
