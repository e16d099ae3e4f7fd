"""nightly-eval on a real Prefect server and a real MLflow server (PostgreSQL store): a good router version is
registered and becomes the baseline; then a deliberately worse version is registered, and the flow run fails
with the reason (metric, change, benchmark), visible in Prefect and recorded in MLflow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
GOOD, WORSE = "claude-3-5-sonnet-20241022", "gemma-2-2b-it"
MODEL, EXPERIMENT = "nightly-test-router", "nightly-test"

SCRIPT = """
import json, sys
from pathlib import Path
import mlflow, pandas as pd
from flows.nightly_eval import nightly_eval
from support.planted import fixed_choice_router
from xrouter.pool import load_pool
from xrouter.tracking import log_router_model

proj, data, good, worse, name = Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:6]
prices = data / "prices.parquet"
models = list(load_pool("zeroeval", pd.read_parquet(prices)).ids)

def register(model):
    folder = fixed_choice_router(models, model, proj / "routers" / model)
    mlflow.set_experiment("router-registrations")  # the flow sets its own experiment in this process
    with mlflow.start_run(run_name=f"planted: always {model}"):
        return log_router_model(folder, name, prices)

def outcome(state):
    out = {"type": state.type.value, "message": state.message, "flow_run_id": str(state.state_details.flow_run_id)}
    if state.is_completed():
        out["result"] = state.result()
    return out

out = {"good_version": register(good)}
out["first"] = outcome(nightly_eval(project=str(proj), return_state=True))
out["worse_version"] = register(worse)
out["second"] = outcome(nightly_eval(project=str(proj), return_state=True))
print("RESULT " + json.dumps(out))
"""


@pytest.fixture
def small_data(data_dir, tmp_path) -> Path:
    """The prepared tables with a smaller test split (25 seeded prompts per benchmark of the zeroeval test
    split, the rest left out): the evaluation items the nightly runs use, at a test's cost."""
    out = tmp_path / "data"
    out.mkdir()
    for f in data_dir.iterdir():
        if f.name != "splits.parquet":
            (out / f.name).symlink_to(f)
    splits = pd.read_parquet(data_dir / "splits.parquet")
    test = splits[(splits["split"] == "test") & (splits["source"] == "zeroeval")]
    kept = test.groupby("task", group_keys=False).sample(n=25, random_state=0)
    pd.concat([splits[splits["split"] != "test"], kept]).to_parquet(out / "splits.parquet")
    return out


def test_a_worse_registered_router_fails_the_nightly_run_with_the_reason(stack, data_dir, small_data,
                                                                        tmp_path) -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["paths"]["data"] = str(small_data)
    params["mlflow"]["registered_model"] = MODEL
    params["nightly"]["experiment"] = EXPERIMENT
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**stack.env, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(data_dir), GOOD, WORSE, MODEL],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("RESULT "))[7:])

    first, second = out["first"], out["second"]
    assert first["type"] == "COMPLETED", first["message"]
    assert first["result"]["verdict"] == "baseline" and first["result"]["version"] == out["good_version"]
    assert second["type"] == "FAILED"
    assert f"{MODEL} v{out['worse_version']} regressed" in second["message"]
    assert "accuracy overall fell" in second["message"]
    assert "accuracy on benchmark" in second["message"]  # and which benchmark, by how much
    before = first["result"]["metrics"]["overall/accuracy"]
    assert f"fell {before:.4f} -> " in second["message"]

    # The Prefect server holds the failed run, its reason and its artifacts.
    api = stack.client()
    failed = api.get(f"/flow_runs/{second['flow_run_id']}").json()
    assert failed["state"]["type"] == "FAILED" and "regressed" in failed["state"]["message"]
    arts = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [second["flow_run_id"]]}}}).json()
    by_key = {a["key"]: a for a in arts}
    assert "Nightly evaluation: regression" in by_key["nightly-eval"]["data"]
    assert f"{stack.mlflow.url}/#/models/{MODEL}/versions/{out['worse_version']})" in by_key["mlflow-model-version"]["data"]

    # MLflow holds both nightly runs with their verdicts; the regressed one is not a baseline for tomorrow.
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=stack.mlflow.url)
    exp = client.get_experiment_by_name(EXPERIMENT)
    runs = client.search_runs([exp.experiment_id], filter_string="tags.kind = 'nightly-eval'",
                              order_by=["attributes.start_time ASC"])
    assert [r.data.tags["verdict"] for r in runs] == ["baseline", "regression"]
    assert [r.data.params["model_version"] for r in runs] == [out["good_version"], out["worse_version"]]
    assert runs[1].data.metrics["overall/accuracy"] < runs[0].data.metrics["overall/accuracy"] - 0.01
    assert "accuracy overall fell" in runs[1].data.tags["reason"]
