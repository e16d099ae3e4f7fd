"""Prefect flow `xrouter-pipeline`: run the DVC pipeline stage by stage, each stage a Prefect task.

DVC decides what is stale (an up-to-date stage is skipped); Prefect adds the run history, retries, logs and
schedules, and the run's artifacts (xrouter/ops/artifacts.py): the stage table, the evaluation table and plot,
the gate verdict, and links to the MLflow training run and registered model version.
Run once:  python -m flows.pipeline --once ; serve on a schedule:  python -m flows.pipeline ; deployed by
prefect.yaml (`xrouter-pipeline`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from prefect import flow, get_run_logger, task

from xrouter.ops import artifacts


def dvc_executable() -> str:
    beside = Path(sys.executable).parent / "dvc"
    return str(beside) if beside.exists() else (shutil.which("dvc") or "dvc")


def stage_order(project: Path) -> list[str]:
    """Stages in dvc.yaml order (the file lists them upstream first)."""
    return list(yaml.safe_load((project / "dvc.yaml").read_text())["stages"])


@task(name="dvc-stage", task_run_name="{stage}", retries=0)
def repro_stage(project: Path, stage: str) -> str:
    logger = get_run_logger()
    proc = subprocess.run([dvc_executable(), "repro", "--single-item", stage], cwd=project, text=True,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"stage '{stage}' failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    status = "ran" if f"Running stage '{stage}'" in proc.stdout else "up to date"
    logger.info("stage %s: %s", stage, status)
    return status


@task(name="publish-artifacts", retries=2, retry_delay_seconds=5)  # the MLflow lookup may blink
def publish_results(project: Path, statuses: dict[str, str]) -> None:
    """Artifacts of the stages this run reached: a failed gate still publishes its verdict table."""
    import json  # noqa: PLC0415

    from xrouter.config import load_params  # noqa: PLC0415

    params = load_params(project / "params.yaml")
    artifacts.publish_stage_status(statuses)
    done = {s for s, v in statuses.items() if v != "failed"}
    if "train" in done and (train := params.path(params.paths.train_metrics)).is_file():
        artifacts.publish_links(_training_links(params, json.loads(train.read_text())), "training run")
    if "evaluate" in done and (evaluation := params.path(params.paths.eval_metrics)).is_file():
        artifacts.publish_evaluation(json.loads(evaluation.read_text()))
        if (plot := params.path(params.paths.eval_plot)).is_file():
            artifacts.publish_image(plot, "evaluation-plot", "Evaluation: accuracy vs cost")
    if "gate" in statuses and (gate := params.path(params.paths.gate_metrics)).is_file():
        artifacts.publish_gate(json.loads(gate.read_text()))


def _training_links(params, train: dict) -> dict[str, str]:
    from xrouter.tracking import setup_mlflow, ui_links  # noqa: PLC0415

    run_id = train.get("mlflow_run_id")
    if not run_id:
        return {}
    uri = setup_mlflow(params.mlflow, params.root)
    import mlflow  # noqa: PLC0415

    experiment_id = mlflow.get_run(run_id).info.experiment_id
    return ui_links(uri, experiment_id, run_id, params.mlflow.registered_model, train.get("registered_version"))


@flow(name="xrouter-pipeline", log_prints=True)
def pipeline(project: str = ".", until: str | None = None) -> dict[str, str]:
    """Every stage in order (or up to and including `until`); returns stage -> 'ran' | 'up to date'."""
    root = Path(project).resolve()
    stages = stage_order(root)
    if until is not None:
        if until not in stages:
            raise ValueError(f"unknown stage '{until}'; stages: {stages}")
        stages = stages[: stages.index(until) + 1]
    statuses: dict[str, str] = {}
    try:
        for stage in stages:
            statuses[stage] = "failed"  # until it returns
            statuses[stage] = repro_stage(root, stage)
    finally:
        publish_results(root, statuses)
    return statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--once", action="store_true", help="run now instead of serving on a schedule")
    ap.add_argument("--cron", default="0 3 * * *", help="schedule when serving (default: nightly 03:00)")
    ap.add_argument("--until", default=None, help="last stage to run")
    args = ap.parse_args()
    if args.once:
        print(pipeline(until=args.until))
    else:
        pipeline.serve(name="nightly", cron=args.cron, parameters={"until": args.until})


if __name__ == "__main__":
    main()
