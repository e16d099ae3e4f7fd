"""Prefect flow `nightly-eval`: re-evaluate the latest registered router (MLflow model registry) on the
evaluation items and fail the flow run, naming the metric, the change and the benchmark, when it regressed
against the last passing nightly run beyond `params.yaml: nightly`. Orchestration only; the work is in
xrouter.evaluate.nightly and .regression.

    python -m flows.nightly_eval          (deployed nightly by prefect.yaml: `nightly-eval`)
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from xrouter.config import load_params
from xrouter.evaluate import nightly
from xrouter.evaluate.regression import scopes
from xrouter.ops import artifacts
from xrouter.tracking import latest_version, setup_mlflow, ui_links


class RegressionDetected(RuntimeError):
    """The registered router got worse than the last passing nightly run (the message says how)."""


def _setup(project: str):
    params = load_params(Path(project) / "params.yaml")
    uri = setup_mlflow(params.mlflow, params.root, experiment=params.nightly.experiment)
    return params, params.mlflow, uri


@task(name="latest-registered-version", retries=2, retry_delay_seconds=5)  # the tracking server may blink
def resolve_version(project: str) -> str:
    _, mp, _ = _setup(project)
    return str(latest_version(mp.registered_model).version)


@task(name="evaluate-and-compare")
def evaluate_and_compare(project: str, version: str) -> nightly.NightlyResult:
    params, mp, _ = _setup(project)
    return nightly.run_nightly(mp.registered_model, version, params.path(params.paths.data), params.evaluate,
                               params.env, params.nightly)


@task(name="record-in-mlflow", retries=2, retry_delay_seconds=5)
def record(project: str, result: nightly.NightlyResult) -> dict[str, str]:
    params, mp, uri = _setup(project)
    import mlflow  # noqa: PLC0415

    run_id = nightly.log_nightly(result, params.evaluate)
    exp = mlflow.get_experiment_by_name(params.nightly.experiment)
    return {"run_id": run_id, **ui_links(uri, exp.experiment_id, run_id, mp.registered_model, result.version)}


@task(name="publish-artifacts")
def publish(result: nightly.NightlyResult, links: dict[str, str]) -> None:
    rows = []
    for scope in scopes(result.metrics):
        before = result.baseline.metrics if result.baseline else {}
        rows.append({"scope": scope, "n": int(result.metrics[f"{scope}/n"]),
                     "accuracy": result.metrics[f"{scope}/accuracy"],
                     "baseline_accuracy": before.get(f"{scope}/accuracy"),
                     "cost_per_1k_usd": result.metrics[f"{scope}/cost_per_1k"],
                     "baseline_cost_per_1k_usd": before.get(f"{scope}/cost_per_1k")})
    artifacts.publish_nightly(rows, result.verdict, result.message())
    artifacts.publish_links({k: v for k, v in links.items() if k != "run_id"},
                            f"nightly {result.model} v{result.version}")


@flow(name="nightly-eval", log_prints=True)
def nightly_eval(project: str = ".") -> dict:
    """Returns {version, verdict, run_id, metrics}; raises RegressionDetected (the run fails) on a regression."""
    logger = get_run_logger()
    version = resolve_version(project)
    result = evaluate_and_compare(project, version)
    links = record(project, result)
    publish(result, links)
    logger.info("%s", result.message())
    if result.regressions:
        raise RegressionDetected(result.message())
    return {"version": version, "verdict": result.verdict, "run_id": links["run_id"], "metrics": result.metrics}


if __name__ == "__main__":
    nightly_eval()
