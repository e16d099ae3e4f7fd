"""Real DVC, the whole chain on a second bundle path: prepare → validate → train (a short run) → evaluate →
gate. A gate whose thresholds are met lets `dvc repro` finish and a second `dvc repro` does nothing; a stricter
gate stops it with a table naming what fell short, without re-running the evaluation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fakes.projects import copy_bundle, copy_project

pytestmark = pytest.mark.slow


def _dvc(proj: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    return subprocess.run([str(Path(sys.executable).parent / "dvc"), *args], cwd=proj, env=env, text=True,
                          capture_output=True, check=check, timeout=900)


def _edit_params(proj: Path, edit) -> None:
    params = yaml.safe_load((proj / "params.yaml").read_text())
    edit(params)
    (proj / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def test_repro_runs_evaluate_and_the_gate_decides(bundle, tmp_path: Path) -> None:
    other = copy_bundle(bundle, tmp_path / "other-bundle")  # any bundle path works, not only the shared one
    proj = copy_project(tmp_path, other)
    _dvc(proj, "init", "--no-scm", "-q")

    def short(p: dict) -> None:
        p["train"]["embedded"].update(steps=4, eval_every=2, groups_per_step=16)
        p["train"]["selection"].update(folds=2, steps=2)  # the CV that picks λ, as small
        p["train"]["embedded"]["verifier"].update(folds=2)  # and the verifier's cross-fitting
        p["evaluate"].update(policies=["router", "cascade"], singles=["gpt-4o-mini-2024-07-18", "o1-mini-2024-09-12"])
        p["gate"]["overall"] = {"max_cost_per_1k": 1000.0}  # a gate any router passes
        p["gate"]["families"] = {}

    _edit_params(proj, short)
    run = _dvc(proj, "repro", "gate", check=False)  # the chain up to the gate (packaging is tests/serve's)
    assert run.returncode == 0, run.stderr[-3000:]
    for stage in ("prepare", "validate", "train", "evaluate", "gate"):
        assert f"Running stage '{stage}'" in run.stdout
    _check_data_stages(proj, other)
    evaluation = json.loads((proj / "metrics/eval.json").read_text())
    assert set(evaluation["policies"]) == {"router", "cascade", "single:gpt-4o-mini-2024-07-18",
                                           "single:o1-mini-2024-09-12"}
    assert json.loads((proj / "metrics/gate.json").read_text())["passed"] is True
    md = (proj / "reports/eval.md").read_text()
    assert "| router (gated) |" in md and (proj / "reports/eval.png").stat().st_size > 10_000
    assert len((proj / "reports/eval_records/router.jsonl").read_text().splitlines()) == evaluation["n_items"]
    card = json.loads((proj / "models/router/router.json").read_text())
    assert evaluation["lambda"] == card["operating_lambda"] and "operating_lambda" in evaluation["lambda_source"]
    _check_mlflow(proj, card)
    _check_cli_agrees(proj, other, evaluation)
    _check_code_edits_make_the_right_stages_stale(proj)

    def strict(p: dict) -> None:
        p["gate"]["overall"] = {"min_accuracy_vs_best_single": 0.5}  # more accurate than any model can be

    _edit_params(proj, strict)
    stopped = _dvc(proj, "repro", "gate", check=False)
    assert stopped.returncode != 0
    assert "Running stage 'evaluate'" not in stopped.stdout  # only the gate's params changed
    out = stopped.stdout + stopped.stderr
    assert "gate FAILED for policy 'router'" in out and "accuracy (min)" in out and "FAIL" in out
    assert json.loads((proj / "metrics/gate.json").read_text())["passed"] is False


def _check_data_stages(proj: Path, bundle: Path) -> None:
    """The data stages' outputs, the lock naming the bundle it read, and a second repro that does nothing."""
    for name in ("benchmarks", "prompts", "outcomes", "responses", "prices", "splits"):
        assert (proj / "data" / f"{name}.parquet").is_file()
    assert (proj / "reports/data_docs/index.html").is_file()
    assert '"success": true' in (proj / "metrics/data_validation.json").read_text()
    lock = yaml.safe_load((proj / "dvc.lock").read_text())
    assert any(d["path"] == str(bundle) for d in lock["stages"]["prepare"]["deps"])
    again = _dvc(proj, "repro", "gate")
    assert "Running stage" not in again.stdout


def _check_code_edits_make_the_right_stages_stale(proj: Path) -> None:
    """A code dependency edited: the stages that import it are stale, the others are not (then undone)."""
    def stale_after(path: str) -> set[str]:
        f = proj / path
        before = f.read_text()
        f.write_text(before + "\n# edited\n")
        try:
            out = _dvc(proj, "status", "--with-deps", "gate", "--json").stdout
        finally:
            f.write_text(before)
        return set(json.loads(out or "{}"))

    assert stale_after("xrouter/pool/pools.yaml") == {"train", "evaluate", "gate"}
    assert stale_after("xrouter/evaluate/summary.py") == {"evaluate", "gate"}
    assert stale_after("xrouter/data/prices.py") == {"prepare", "validate", "train", "evaluate", "gate"}
    assert set(json.loads(_dvc(proj, "status", "--with-deps", "gate", "--json").stdout or "{}")) == set()


def _check_cli_agrees(proj: Path, bundle: Path, evaluation: dict) -> None:
    """`xrouter evaluate` on the same router reads params.yaml's reward, limits, prepare and λ: on the items the
    stage evaluated (the test split) it gives the same per-item figures."""
    records = proj / "cli.jsonl"
    run = subprocess.run([str(Path(sys.executable).parent / "xrouter"), "evaluate", "--bundle", str(bundle),
                          "--router", "models/router", "--out", str(proj / "cli.json"), "--records", str(records)],
                         cwd=proj, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads((proj / "cli.json").read_text())["lambda"] == evaluation["lambda"]
    cli = {r["item_id"]: r for r in map(json.loads, records.read_text().splitlines())}
    stage = [json.loads(line) for line in (proj / "reports/eval_records/router.jsonl").read_text().splitlines()]
    assert len(stage) == evaluation["n_items"]
    for r in stage:
        mine = cli[r["item_id"]]
        assert (mine["models_called"], mine["score"], mine["reward"]) == (r["models_called"], r["score"], r["reward"])
        assert mine["cost_usd"] == pytest.approx(r["cost_usd"], rel=1e-12)


def _check_mlflow(proj: Path, card: dict) -> None:
    """The train stage's MLflow side, read back from the project's real SQLite store: per-step curves, the
    operating λ, and the registered router loading as a pyfunc model that routes."""
    import mlflow
    import pandas as pd
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(f"sqlite:///{proj / 'mlflow.db'}")
    client = MlflowClient()
    run = client.search_runs([mlflow.get_experiment_by_name("xrouter").experiment_id])[0]
    assert [m.step for m in client.get_metric_history(run.info.run_id, "reward")] == [0, 1, 2, 3]
    assert run.data.metrics["operating_lambda"] == card["operating_lambda"]
    assert {"max_call_share", "dropped_group_fraction", "entropy", "clip_frac"} <= set(run.data.metrics)
    model = mlflow.pyfunc.load_model("models:/xrouter-router/1")
    routed = model.predict(pd.DataFrame({"query": ["What is 17 * 23?", "def f(x): return x * 2. f(3) = ?"]}))
    assert len(routed) == 2 and set(routed) <= set(card["models"])
