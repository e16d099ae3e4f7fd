"""The nightly regression check on literal metric dicts: what counts as a regression, where, and the reason."""

from __future__ import annotations

from xrouter.evaluate.regression import NightlyParams, compare, flat_metrics, reason

P = NightlyParams(max_accuracy_drop=0.01, max_accuracy_drop_per_benchmark=0.03, max_cost_increase=0.10,
                  min_items_per_benchmark=20)


def metrics(acc: float, cost: float, gsm_acc: float, gsm_cost: float, gsm_n: int = 100) -> dict[str, float]:
    return {"overall/accuracy": acc, "overall/cost_per_1k": cost, "overall/n": 300.0,
            "benchmark/gsm8k/accuracy": gsm_acc, "benchmark/gsm8k/cost_per_1k": gsm_cost, "benchmark/gsm8k/n": gsm_n}


BASE = metrics(0.90, 2.00, 0.95, 1.00)


def test_within_thresholds_is_no_regression() -> None:
    assert compare(metrics(0.891, 2.19, 0.921, 1.09), BASE, P) == []


def test_accuracy_drop_overall_and_on_a_benchmark_are_named_with_their_change() -> None:
    found = compare(metrics(0.85, 2.0, 0.80, 1.0), BASE, P)
    assert [(r.scope, r.metric) for r in found] == [("overall", "accuracy"), ("benchmark/gsm8k", "accuracy")]
    text = reason(found, "xrouter-router v3", "run abc (v2)")
    assert text.splitlines()[0] == "xrouter-router v3 regressed against run abc (v2):"
    assert "accuracy overall fell 0.9000 -> 0.8500 (-5.00 points; at most -1.00 allowed)" in text
    assert "accuracy on benchmark gsm8k fell 0.9500 -> 0.8000 (-15.00 points; at most -3.00 allowed)" in text


def test_cost_rise_beyond_the_share_is_a_regression() -> None:
    found = compare(metrics(0.90, 2.50, 0.95, 1.05), BASE, P)
    assert [(r.scope, r.metric) for r in found] == [("overall", "cost_per_1k")]
    assert "cost per 1k queries overall rose $2.000 -> $2.500 (+25.0%; at most +10.0% allowed)" in found[0].describe()


def test_small_benchmarks_and_benchmarks_without_a_baseline_are_compared_overall_only() -> None:
    assert compare(metrics(0.90, 2.0, 0.10, 9.0, gsm_n=5), BASE, P) == []
    new_bench = {**metrics(0.90, 2.0, 0.95, 1.0), "benchmark/new/accuracy": 0.0, "benchmark/new/cost_per_1k": 9.0,
                 "benchmark/new/n": 100.0}
    assert compare(new_bench, BASE, P) == []


def test_flat_metrics_of_an_evaluation_summary() -> None:
    stats = {"n": 2, "accuracy": 0.5, "cost_per_1k": 1.5, "errors": 0}
    flat = flat_metrics({"overall": stats, "by_benchmark": {"gsm8k": stats}})
    assert flat == {"overall/accuracy": 0.5, "overall/cost_per_1k": 1.5, "overall/n": 2.0,
                    "benchmark/gsm8k/accuracy": 0.5, "benchmark/gsm8k/cost_per_1k": 1.5, "benchmark/gsm8k/n": 2.0}
