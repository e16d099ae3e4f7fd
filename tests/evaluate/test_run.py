"""One whole evaluation as the `evaluate` stage runs it, its reports, and the local model behind the cache."""

from __future__ import annotations

import json

import matplotlib.image
import pytest

from xrouter.data.prepare import write_tables
from xrouter.env.config import EnvParams
from xrouter.evaluate.config import EvaluateParams
from xrouter.evaluate.report import markdown, plot, write_records
from xrouter.evaluate.run import evaluate
from xrouter.env.reward import LambdaError
from xrouter.routers.card import RouterCard, resolve_lambda, write_card

SINGLES = ["gpt-4o-mini-2024-07-18", "o1-mini-2024-09-12", "claude-3-haiku-20240307"]


@pytest.fixture(scope="module")
def replay_eval(data_dir, tmp_path_factory):
    """The whole `evaluate` stage on the real prepared tables (the 28-model pool, cascade fit on the real train
    split): an integration test of the real bundle, hence the tests using it are marked slow."""
    p = EvaluateParams(policies=["router", "cascade", "oracle"], singles=SINGLES, lam=2.0)
    return evaluate(p, EnvParams(), data_dir, tmp_path_factory.mktemp("no-router"), None, progress=False)


@pytest.mark.slow
def test_replay_evaluation_without_a_trained_router_runs_the_baselines(replay_eval, split_ids) -> None:
    doc = replay_eval.doc
    assert doc["notes"] and "no trained router" in doc["notes"][0]
    assert set(doc["policies"]) == {"cascade", "oracle", *(f"single:{m}" for m in SINGLES)}
    assert doc["n_items"] == len(split_ids["test"]) and doc["items"] == "replay:test"
    assert doc["best_single"]["overall"] == "single:o1-mini-2024-09-12"
    oracle = doc["policies"]["oracle"]["overall"]
    assert oracle["accuracy"] > doc["policies"]["single:o1-mini-2024-09-12"]["overall"]["accuracy"]
    assert doc["cache"] is None  # replay answers are recordings: nothing to cache
    iv = doc["intervals_vs_best_single"]
    assert iv["reference"] == "single:o1-mini-2024-09-12" and set(iv["policies"]) == set(doc["policies"]) - {iv["reference"]}
    oracle_iv = iv["policies"]["oracle"]["accuracy_diff"]
    assert 0 < oracle_iv["low"] <= oracle_iv["estimate"] <= oracle_iv["high"]  # the oracle is better beyond noise


@pytest.mark.slow
def test_reports_hold_every_policy_and_a_real_png(replay_eval, tmp_path) -> None:
    doc = replay_eval.doc
    md = markdown(doc, "eval.png", gate_policy="cascade")
    assert "| cascade (gated) |" in md and "| oracle (sees labels) |" in md and "![accuracy vs cost](eval.png)" in md
    assert "| cruxeval_o | 128 |" in md  # per-benchmark table of the gated policy
    plot(doc, tmp_path / "eval.png")
    img = matplotlib.image.imread(tmp_path / "eval.png")
    assert img.shape[0] > 300 and img.shape[1] > 500
    write_records(replay_eval.records, tmp_path / "records")
    lines = (tmp_path / "records" / "single_o1-mini-2024-09-12.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert len(lines) == doc["n_items"] and first["models_called"] == ["o1-mini-2024-09-12"]
    assert {"answer", "cost_usd", "latency_s", "score", "input_tokens", "output_tokens"} <= set(first)


@pytest.fixture(scope="module")
def tiny_data_dir(tmp_path_factory):
    """The tiny literal world's tables written as the `prepare` stage writes them (tests/support/tiny_world.py)."""
    from support.tiny_world import tables

    out = tmp_path_factory.mktemp("tiny-data")
    write_tables(tables(), out)
    return out


def test_a_benchmark_evaluation_runs_the_stage_end_to_end_and_reports_it(tiny_data_dir, tmp_path) -> None:
    p = EvaluateParams(items="benchmarks", backend="reference", policies=["router"], singles="all", lam=2.0)
    ev = evaluate(p, EnvParams(), tiny_data_dir, tmp_path / "no-router", tmp_path / "cache", progress=False)
    doc = ev.doc
    assert doc["items"] == "benchmarks" and doc["n_items"] == 6  # the tiny world's 3 GSM8K + 3 CruxEval-O items
    assert doc["notes"] and "no trained router" in doc["notes"][0]
    assert set(doc["policies"]) == {"single:gold", "single:wrong"} and doc["pool"] == "reference"
    assert doc["policies"]["single:gold"]["overall"]["accuracy"] == 1.0
    assert doc["policies"]["single:wrong"]["overall"]["accuracy"] == 0.0
    assert doc["best_single"]["overall"] == "single:gold"
    assert doc["cache"]["misses"] == 12 and doc["cache"]["hits"] == 0  # 6 items × 2 models, generated once each
    md = markdown(doc, "eval.png", gate_policy="single:gold")
    assert "| single:gold (gated) |" in md and "![accuracy vs cost](eval.png)" in md
    assert "| cruxeval_o | 3 | 1.0000 |" in md and "| gsm8k | 3 | 1.0000 |" in md  # per benchmark, gated policy
    plot(doc, tmp_path / "eval.png")
    img = matplotlib.image.imread(tmp_path / "eval.png")
    assert img.shape[0] > 300 and img.shape[1] > 500
    write_records(ev.records, tmp_path / "records")
    lines = (tmp_path / "records" / "single_wrong.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 6 and first["models_called"] == ["wrong"] and first["score"] == 0.0
    assert {"answer", "cost_usd", "latency_s", "score", "input_tokens", "output_tokens"} <= set(first)


def test_replay_items_need_the_replay_backend() -> None:
    with pytest.raises(ValueError, match="replay items are answered only by the replay backend"):
        EvaluateParams(items="replay", backend="litellm")


@pytest.mark.slow
def test_the_local_model_answers_benchmark_items_once(data_dir, tmp_path, smollm) -> None:
    p = EvaluateParams(items="benchmarks", backend="local", policies=[], singles="all", lam=2.0,
                       benchmarks=["gsm8k", "ifeval"], limit_per_benchmark=1, local_max_new_tokens=8)
    first = evaluate(p, EnvParams(), data_dir, tmp_path / "none", tmp_path / "cache", progress=False)
    again = evaluate(p, EnvParams(), data_dir, tmp_path / "none", tmp_path / "cache", progress=False)
    assert first.doc["cache"]["misses"] == 2 and again.doc["cache"] == {**first.doc["cache"], "hits": 2, "misses": 0}
    rec = first.records["single:smollm2-135m-instruct"]
    assert [r.benchmark for r in rec] == ["gsm8k", "ifeval"] and all(0 < r.output_tokens <= 8 for r in rec)
    assert all(r.latency_s > 0 for r in again.records["single:smollm2-135m-instruct"])  # the original call's time
    assert [r.answer for r in rec] == [r.answer for r in again.records["single:smollm2-135m-instruct"]]


def test_lambda_is_resolved_once_from_a_number_or_the_routers_card(tmp_path) -> None:
    assert resolve_lambda(7, None) == (7.0, "requested")
    with pytest.raises(LambdaError, match="no λ given"):
        resolve_lambda("router", None)  # no trained router yet: nothing to go on
    card = RouterCard("embedded", "zeroeval", ["a", "b"], (0.5, 500.0), {}, {}, 20.0, {})
    write_card(card, tmp_path)
    lam, source = resolve_lambda("router", card)
    assert lam == 20.0 and "operating_lambda" in source
    with pytest.raises(LambdaError, match=r"outside the router's trained range \[0.5, 500\]"):
        resolve_lambda(1000.0, card)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="lam"):
            EvaluateParams(lam=bad)
    with pytest.raises(ValueError, match="lam"):
        EvaluateParams(lam="best")
