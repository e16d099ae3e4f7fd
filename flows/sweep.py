"""Prefect flow `xrouter-lambda-sweep` (`make sweep`): train one embedded router per λ of `params.yaml: sweep`
in parallel on Ray, log them as runs of the project's MLflow experiment, and save the comparison chart
(reports/sweep.png) and its figures (metrics/sweep.json), published as Prefect artifacts with the MLflow
sweep run's link. Orchestration only; the work is in xrouter.rl.sweep. Deployed by prefect.yaml (`lambda-sweep`).

    python -m flows.sweep
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from xrouter.config import load_params
from xrouter.ops import artifacts
from xrouter.rl import sweep as sw
from xrouter.tracking import setup_mlflow, ui_links


# Ray gives its node 30 s to start and fails on a loaded machine: a retry is the remedy (members are seeded).
@task(name="train-per-lambda", retries=2, retry_delay_seconds=10)
def train_members(project: str) -> list[dict]:
    params = load_params(Path(project) / "params.yaml")
    sp, env = params.sweep, params.env
    return sw.run_parallel(params.path(params.paths.data), params.path(params.paths.models) / "sweep", env,
                           params.train.model_dump(mode="json"), sp)


@task(name="compare-and-log")
def compare_and_log(project: str, members: list[dict]) -> dict:
    params = load_params(Path(project) / "params.yaml")
    sp, env = params.sweep, params.env
    data_dir = params.path(params.paths.data)
    conditioned = sw.conditioned_points(params.path(params.paths.models) / "router", data_dir, env, sp.lambdas)
    chart_path = params.path(params.paths.reports) / "sweep.png"
    summary_path = params.path(params.paths.metrics) / "sweep.json"
    sw.chart(members, conditioned, chart_path)
    doc = sw.summary_doc(members, conditioned)
    sw.write_summary(doc, summary_path)
    uri = setup_mlflow(params.mlflow, params.root)
    doc["mlflow_parent_run_id"] = sw.log_to_mlflow(members, conditioned, sp, chart_path, summary_path)
    sw.write_summary(doc, summary_path)
    import mlflow  # noqa: PLC0415

    experiment_id = mlflow.get_run(doc["mlflow_parent_run_id"]).info.experiment_id
    doc["mlflow_links"] = ui_links(uri, experiment_id, doc["mlflow_parent_run_id"])
    doc["chart"] = str(chart_path)
    return doc


@task(name="publish-artifacts")
def publish(doc: dict) -> None:
    rows = [{k: m[k] for k in ("lambda", "steps", "accuracy", "cost_per_1k", "calls_per_query", "train_seconds")}
            for m in doc["members"]]
    artifacts.publish_table(rows, "lambda-sweep", "One router per λ, validation split (metrics/sweep.json)")
    artifacts.publish_image(Path(doc["chart"]), "lambda-sweep-chart", "λ sweep: accuracy vs cost (validation)")
    artifacts.publish_links(doc["mlflow_links"], "λ sweep")


@flow(name="xrouter-lambda-sweep", log_prints=True)
def lambda_sweep(project: str = ".") -> dict:
    logger = get_run_logger()
    doc = compare_and_log(project, train_members(project))
    publish(doc)
    for m in doc["members"]:
        logger.info("λ=%g: val accuracy %.4f at $%.3f/1k (%.0f s)", m["lambda"], m["accuracy"], m["cost_per_1k"],
                    m["train_seconds"])
    return doc


if __name__ == "__main__":
    lambda_sweep()
