"""Summaries of item records, computed by hand."""

from __future__ import annotations

import pytest

from xrouter.evaluate.harness import ItemRecord
from xrouter.evaluate.report import markdown
from xrouter.evaluate.summary import best_singles, group_stats, intervals_vs_best, summarize_policy


def rec(score: float, cost: float, latency: float, benchmark: str = "gsm8k", family: str = "math", calls: int = 1,
        hits: int = 0, error: str | None = None, final: str | None = "m") -> ItemRecord:
    return ItemRecord("p", f"id{latency}", benchmark, family, "a", final, ["m"] * calls, "select_response", 10, 5,
                      cost, calls, hits, latency, score, 0.0, 2.0, error=error)


def test_group_stats_by_hand() -> None:
    recs = [rec(1, 0.001, 1.0), rec(0, 0.003, 2.0, calls=2, hits=1), rec(1, 0.002, 3.0), rec(1, 0.0, 4.0, error="x")]
    s = group_stats(recs)
    assert s["n"] == 4 and s["accuracy"] == 0.75
    assert s["cost_per_1k"] == pytest.approx(1.5)
    assert s["calls_per_query"] == pytest.approx(5 / 4)
    assert s["latency_p50_s"] == pytest.approx(2.5) and s["latency_p95_s"] == pytest.approx(3.85)
    assert s["errors"] == 1 and s["cache_hit_rate"] == pytest.approx(1 / 5)


def test_groups_and_final_model_shares() -> None:
    recs = [rec(1, 0.001, 1, final="a"), rec(0, 0.001, 2, "cruxeval_o", "code_reasoning", final="b"),
            rec(1, 0.001, 3, "math_level5", final="a"), rec(0, 0.0, 4, final=None)]
    s = summarize_policy(recs)
    assert s["by_family"]["math"]["n"] == 3 and s["by_family"]["code_reasoning"]["accuracy"] == 0
    assert list(s["by_benchmark"]) == ["cruxeval_o", "gsm8k", "math_level5"]
    assert s["final_model_share"] == {"a": 0.5, "b": 0.25, "none": 0.25}


def test_best_single_per_scope_with_ties_to_the_cheaper() -> None:
    def pol(acc, cost, math_acc):
        return {"overall": {"accuracy": acc, "cost_per_1k": cost},
                "by_family": {"math": {"accuracy": math_acc, "cost_per_1k": cost}}, "by_benchmark": {}}

    policies = {"router": pol(0.99, 0.1, 0.99), "single:a": pol(0.8, 2.0, 0.7), "single:b": pol(0.8, 1.0, 0.9),
                "single:c": pol(0.6, 0.1, 0.9)}
    best = best_singles(policies)
    assert best["overall"] == "single:b"  # a router never counts; tie on accuracy -> cheaper
    assert best["by_family"] == {"math": "single:c"}
    assert best_singles({"router": pol(1, 1, 1)}) == {}


def _policy(name: str, scores: list[float], costs: list[float]) -> list[ItemRecord]:
    return [ItemRecord(name, f"q{k}", "gsm8k", "math", "a", "m", ["m"], "select_response", 10, 5, c, 1, 0, 0.0, s,
                       0.0, 2.0) for k, (s, c) in enumerate(zip(scores, costs))]


def test_intervals_against_the_best_single_are_paired_by_item() -> None:
    ref_scores, ref_costs = [1, 1, 0, 1, 1, 0, 1, 1] * 5, [0.02] * 40
    records = {
        "single:best": _policy("single:best", ref_scores, ref_costs),
        "same": _policy("same", ref_scores, ref_costs)[::-1],  # another order: paired by item id, not position
        "worse": _policy("worse", [0] * 40, [0.002] * 40),
    }
    out = intervals_vs_best(records, "single:best", seed=0, resamples=300)
    assert out["reference"] == "single:best" and set(out["policies"]) == {"same", "worse"}
    same, worse = out["policies"]["same"], out["policies"]["worse"]
    assert same["accuracy_diff"]["low"] == same["accuracy_diff"]["high"] == 0.0
    assert same["cost_ratio"]["estimate"] == pytest.approx(1.0)
    assert worse["accuracy_diff"]["high"] < 0 and worse["cost_ratio"]["estimate"] == pytest.approx(0.1)
    assert intervals_vs_best(records, None) == {}

    doc = {"items": "replay:test", "n_items": 40, "backend": "replay", "pool": "zeroeval", "lambda": 7.0,
           "reward": "xrouter_code", "best_single": {"overall": "single:best"}, "intervals_vs_best_single": out,
           "policies": {n: summarize_policy(r) for n, r in records.items()}}
    md = markdown(doc, "eval.png", gate_policy="worse")
    assert "Δ accuracy 95% CI (pts) | cost ratio 95% CI |" in md
    row = next(line for line in md.splitlines() if line.startswith("| worse (gated)"))
    assert row.endswith(f"| [{100 * worse['accuracy_diff']['low']:+.2f}, {100 * worse['accuracy_diff']['high']:+.2f}] "
                        "| [0.10, 0.10] |")


def test_intervals_refuse_policies_evaluated_on_other_items() -> None:
    records = {"single:best": _policy("single:best", [1, 0], [0.1, 0.1]), "r": _policy("r", [1], [0.1])}
    with pytest.raises(ValueError, match="other items"):
        intervals_vs_best(records, "single:best")
