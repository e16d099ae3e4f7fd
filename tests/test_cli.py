"""`xrouter evaluate` as a user runs it: a real subprocess on a bundle, JSON and JSONL out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xrouter.data.prepare import write_tables

XROUTER = str(Path(sys.executable).parent / "xrouter")


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "400"}  # keep usage errors on one line
    return subprocess.run([XROUTER, "evaluate", *args], capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.slow
def test_evaluate_single_model_writes_summary_and_records(bundle, world, tmp_path: Path) -> None:
    out, recs = tmp_path / "eval.json", tmp_path / "records.jsonl"
    run = _run("--bundle", str(bundle), "--router", "single:gpt-4o-mini-2024-07-18", "--out", str(out),
               "--records", str(recs), "--lambda", "2")
    assert run.returncode == 0, run.stderr
    summary = json.loads(out.read_text())
    assert summary["n"] == 2273 and summary["calls_per_query"] == 1.0
    o = world.outcomes
    recorded = o[(o["model"] == "gpt-4o-mini-2024-07-18") & (o["source"] == "zeroeval")]
    assert summary["accuracy"] == pytest.approx(recorded["correct"].mean())
    assert summary["cost_per_1k"] == pytest.approx(1000 * recorded["cost_usd"].mean())
    assert set(summary["by_benchmark"]) == {"gsm8k", "math_level5", "cruxeval_o"}
    lines = [json.loads(line) for line in recs.read_text().splitlines()]
    assert len(lines) == 2273
    assert set(lines[0]) >= {"item_id", "answer", "models_called", "final_model", "cost_usd", "latency_s", "correct"}
    assert lines[0]["models_called"] == ["gpt-4o-mini-2024-07-18"]


@pytest.mark.slow
def test_evaluate_fitted_router_with_training_data_and_lambda(bundle, prepared, tmp_path: Path) -> None:
    write_tables(prepared, tmp_path / "data")
    out = tmp_path / "knn.json"
    run = _run("--bundle", str(bundle), "--router", "knn", "--lambda", "50", "--train-data", str(tmp_path / "data"),
               "--out", str(out))
    assert run.returncode == 0, run.stderr
    summary = json.loads(out.read_text())
    assert summary["lambda"] == 50.0 and summary["router"].startswith("knn") and not summary["sees_labels"]
    assert 0.5 < summary["accuracy"] < 1.0


def test_bad_router_bundle_and_lambda_are_clear_errors(bundle, tmp_path: Path) -> None:
    """Refused before any data loads. One real subprocess; the other cases through Typer's CliRunner (the same
    app in this process: no interpreter start-up each)."""
    from typer.testing import CliRunner

    from xrouter.cli import app

    run = _run("--bundle", str(bundle), "--router", "nonsense", "--out", str(tmp_path / "x.json"), "--lambda", "2")
    assert run.returncode == 2 and "unknown router 'nonsense'" in run.stderr
    cli = CliRunner()
    for bad in ("-1", "nan", "inf"):
        res = cli.invoke(app, ["evaluate", "--bundle", str(bundle), "--router", "oracle", "--out",
                               str(tmp_path / "x.json"), "--lambda", bad], env={"COLUMNS": "400"})
        assert res.exit_code == 2 and "lambda must be a finite number >= 0" in res.output, (bad, res.output)
    assert not (tmp_path / "x.json").exists()
    res = cli.invoke(app, ["evaluate", "--bundle", str(tmp_path / "missing"), "--router", "oracle", "--out",
                           str(tmp_path / "x.json")], env={"COLUMNS": "400"})
    assert res.exit_code == 2 and "does not exist" in res.output


@pytest.mark.slow
def test_graders_selfcheck_json(bundle) -> None:
    run = subprocess.run([XROUTER, "graders", "selfcheck", "--json", "--bundle", str(bundle), "--benchmark", "gpqa_diamond",
                          "--benchmark", "ifeval", "--benchmark", "amc23"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["gpqa_diamond"] == {"n": 198, "gold": 1.0, "wrong": 0.0}
    assert report["amc23"] == {"n": 40, "gold": 1.0, "wrong": 0.0}
    assert report["ifeval"]["n"] == 535 and report["ifeval"]["gold"] >= 0.99 and report["ifeval"]["wrong"] <= 0.01


def test_graders_agreement_json_and_bad_input(bundle) -> None:
    run = subprocess.run([XROUTER, "graders", "agreement", "--json", "--bundle", str(bundle), "--task", "gsm",
                          "--limit", "30"], capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert list(report) == ["gsm"] and report["gsm"]["n"] == 30 and report["gsm"]["rate"] >= 0.9
    bad = subprocess.run([XROUTER, "graders", "agreement", "--task", "nope"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2 and "unknown task(s) ['nope']" in bad.stdout + bad.stderr
