"""The λ sweep: real Ray workers train one router per λ, the driver logs them to a real MLflow store."""

from __future__ import annotations

import json

import matplotlib.image
import pytest

from xrouter.env.config import EnvParams
from xrouter.rl.config import SweepParams
from xrouter.rl.sweep import chart, log_to_mlflow, run_parallel, summary_doc, write_summary
from xrouter.config import MlflowParams
from xrouter.tracking import setup_mlflow

pytestmark = pytest.mark.slow


def test_sweep_trains_each_lambda_on_ray_and_logs_child_runs(data_dir, tmp_path) -> None:
    sp = SweepParams(lambdas=[1.0, 200.0], steps=3, workers=2)
    tp = {"embedded": {"steps": 999, "groups_per_step": 8, "eval_every": 3}}
    members = run_parallel(data_dir, tmp_path / "models", EnvParams(), tp, sp)
    assert [m["lambda"] for m in members] == [1.0, 200.0]
    for m in members:
        assert [step for step, _ in m["history"]] == [0, 1, 2]  # sweep.steps wins over train.embedded.steps
        assert {"reward", "accuracy", "entropy"} <= set(m["history"][0][1])
        assert m["val"]["lambda"] == m["lambda"] and 0 < m["val"]["accuracy"] <= 1
        assert (tmp_path / "models" / f"lambda_{m['lambda']:g}" / "router.json").is_file()
    chart(members, [], tmp_path / "sweep.png")
    assert matplotlib.image.imread(tmp_path / "sweep.png").shape[1] > 500
    doc = summary_doc(members, [])
    write_summary(doc, tmp_path / "sweep.json")

    setup_mlflow(MlflowParams(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", experiment="sweep-test"), tmp_path)
    import mlflow
    from mlflow.tracking import MlflowClient

    parent = log_to_mlflow(members, [], sp, tmp_path / "sweep.png", tmp_path / "sweep.json")
    client = MlflowClient()
    exp = mlflow.get_experiment_by_name("sweep-test")
    children = client.search_runs([exp.experiment_id], filter_string=f"tags.sweep_run_id = '{parent}'")
    assert sorted(float(r.data.params["lambda"]) for r in children) == [1.0, 200.0]
    for run in children:
        history = client.get_metric_history(run.info.run_id, "reward")
        assert [h.step for h in history] == [0, 1, 2]
        assert run.data.tags["mlflow.parentRunId"] == parent
    artifacts = {a.path for a in client.list_artifacts(parent)}
    assert {"sweep.png", "sweep.json"} <= artifacts
    assert json.loads((tmp_path / "sweep.json").read_text())["members"][1]["lambda"] == 200.0
