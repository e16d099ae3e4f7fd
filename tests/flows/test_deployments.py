"""prefect.yaml against a real Prefect server: `prefect deploy --all` creates the three deployments with their
schedules and parameters; a real process worker runs the pipeline deployment (prepare only) and the λ-sweep
deployment (2 λ, 3 steps) on a throwaway project copy, logging to the MLflow server on PostgreSQL; their
artifacts, runs and the sweep's child runs are read back from both servers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from fakes.projects import REPO, copy_project

from xrouter.ops.servers import Service, deploy_all, ensure_work_pool, start_worker

pytestmark = pytest.mark.slow

DEPLOYMENTS = {"xrouter-pipeline": "xrouter-pipeline", "lambda-sweep": "xrouter-lambda-sweep",
               "nightly-eval": "nightly-eval"}  # deployment -> flow
EXPERIMENT = "deploy-test"


@dataclass
class Deployed:
    project: Path
    api: httpx.Client
    deployments: dict[str, dict]      # name -> deployment
    runs: dict[str, dict]             # deployment name -> finished flow run
    worker: Service


def _wait_finished(api: httpx.Client, run_id: str, timeout: float, worker: Service) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api.get(f"/flow_runs/{run_id}").json()
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        if (dead := worker.alive()) is not None:
            raise RuntimeError(dead)
        time.sleep(0.5)
    raise TimeoutError(f"flow run {run_id} not finished after {timeout:.0f} s: {run['state']}")


@pytest.fixture(scope="module")
def deployed(stack, bundle, tmp_path_factory) -> Deployed:
    import subprocess
    import sys

    proj = copy_project(tmp_path_factory.mktemp("deploy"), bundle, ("pipelines", "xrouter", "flows"))
    (proj / "prefect.yaml").write_text((REPO / "prefect.yaml").read_text())
    params = yaml.safe_load((proj / "params.yaml").read_text())
    params["mlflow"]["experiment"] = EXPERIMENT
    params["sweep"] = {**params["sweep"], "lambdas": [1.0, 200.0], "steps": 3, "workers": 2}
    params["train"]["embedded"] = {**params["train"]["embedded"], "groups_per_step": 8, "eval_every": 3,
                                   "verifier": {**params["train"]["embedded"]["verifier"], "folds": 2}}
    (proj / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run([str(Path(sys.executable).parent / "dvc"), "init", "--no-scm", "-q"], cwd=proj, check=True,
                   env=stack.env)

    ensure_work_pool(stack.env)
    deploy_all(proj, stack.env)
    api = stack.client()
    deployments = {d["name"]: d for d in api.post("/deployments/filter", json={}).json()}
    worker = start_worker(stack.env, proj.parent / "worker.log", proj)
    try:
        # both at once: the process worker runs them side by side (the sweep's Ray start-up overlaps prepare)
        created = {name: api.post(f"/deployments/{deployments[name]['id']}/create_flow_run",
                                  json={"parameters": parameters}).json()
                   for name, parameters in (("xrouter-pipeline", {"until": "prepare"}), ("lambda-sweep", {}))}
        runs = {name: _wait_finished(api, run["id"], 600, worker) for name, run in created.items()}
        yield Deployed(proj, api, deployments, runs, worker)
    finally:
        worker.stop(grace=3)  # its runs are finished, and on SIGTERM it did not leave within 10 s


def _artifacts(api: httpx.Client, flow_run_id: str) -> dict[str, dict]:
    found = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}).json()
    return {a["key"]: a for a in found}


def test_prefect_deploy_all_creates_the_three_deployments_with_schedules_and_parameters(deployed) -> None:
    assert set(DEPLOYMENTS) <= set(deployed.deployments)
    flows = {f["id"]: f["name"] for f in deployed.api.post("/flows/filter", json={}).json()}
    for name, flow in DEPLOYMENTS.items():
        d = deployed.deployments[name]
        assert flows[d["flow_id"]] == flow
        assert d["work_pool_name"] == "xrouter-process"
        assert d["parameters"]["project"] == "."
        crons = [s["schedule"]["cron"] for s in d["schedules"]]
        assert len(crons) == 1 and len(crons[0].split()) == 5
        # the worker runs the flow in the folder it was deployed from
        assert d["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(deployed.project)
    assert deployed.deployments["xrouter-pipeline"]["parameters"]["until"] is None


def test_the_worker_runs_the_pipeline_deployment_and_publishes_its_stage_table(deployed) -> None:
    run = deployed.runs["xrouter-pipeline"]
    assert run["state"]["type"] == "COMPLETED", run["state"]["message"]
    assert (deployed.project / "data/benchmarks.parquet").is_file()
    stages = _artifacts(deployed.api, run["id"])["pipeline-stages"]
    assert stages["type"] == "table"
    assert '"stage": "prepare"' in stages["data"] and '"status": "ran"' in stages["data"]


def test_the_worker_runs_the_sweep_deployment_into_mlflow_with_its_artifacts(deployed, stack) -> None:
    run = deployed.runs["lambda-sweep"]
    assert run["state"]["type"] == "COMPLETED", run["state"]["message"]
    arts = _artifacts(deployed.api, run["id"])
    assert {"lambda-sweep", "lambda-sweep-chart", "mlflow-run"} <= set(arts)
    assert "data:image/png;base64," in arts["lambda-sweep-chart"]["data"]

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=stack.mlflow.url)
    exp = client.get_experiment_by_name(EXPERIMENT)
    parents = client.search_runs([exp.experiment_id], filter_string="tags.kind = 'lambda-sweep'")
    assert len(parents) == 1
    parent = parents[0].info.run_id
    assert f"/#/experiments/{exp.experiment_id}/runs/{parent})" in arts["mlflow-run"]["data"]
    children = client.search_runs([exp.experiment_id], filter_string=f"tags.sweep_run_id = '{parent}'")
    assert sorted(float(r.data.params["lambda"]) for r in children) == [1.0, 200.0]
    assert {"sweep.png", "sweep.json"} <= {a.path for a in client.list_artifacts(parent)}


def test_both_uis_show_the_runs_in_headless_chromium(deployed, stack, tmp_path) -> None:
    """The Prefect UI shows the pipeline's flow run and its artifacts (the stage table, the sweep's chart);
    the MLflow UI shows the sweep's runs. Screenshots land in tmp, or in XROUTER_SCREENSHOTS (docs/img
    refreshes the README's)."""
    import os

    from support.chromium import render

    shots = Path(os.environ.get("XROUTER_SCREENSHOTS") or tmp_path)
    run = deployed.runs["xrouter-pipeline"]
    page = render(f"{stack.prefect.url}/runs/flow-run/{run['id']}", screenshot=shots / "prefect-flow-run.png")
    assert run["name"] in page and "xrouter-process" in page

    stages = _artifacts(deployed.api, run["id"])["pipeline-stages"]
    page = render(f"{stack.prefect.url}/artifacts/artifact/{stages['id']}")
    assert "pipeline-stages" in page and "prepare" in page and "ran" in page

    chart = _artifacts(deployed.api, deployed.runs["lambda-sweep"]["id"])["lambda-sweep-chart"]
    page = render(f"{stack.prefect.url}/artifacts/artifact/{chart['id']}",
                  screenshot=shots / "prefect-sweep-artifacts.png")
    assert "accuracy vs cost" in page and "data:image/png;base64," in page

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=stack.mlflow.url)
    exp = client.get_experiment_by_name(EXPERIMENT)
    parent = client.search_runs([exp.experiment_id], filter_string="tags.kind = 'lambda-sweep'")[0]
    page = render(f"{stack.mlflow.url}/#/experiments/{exp.experiment_id}/runs", screenshot=shots / "mlflow-sweep.png")
    assert parent.info.run_name in page
    for name in ("prefect-flow-run.png", "prefect-sweep-artifacts.png", "mlflow-sweep.png"):
        assert (shots / name).stat().st_size > 10_000
