"""The gate's checks, computed by hand on small evaluation documents."""

from __future__ import annotations

import pytest

from xrouter.evaluate.config import GateParams
from xrouter.evaluate.gate import check_gate, gate_document, passed, render_table


def stats(acc: float, cost: float, n: int = 100, errors: int = 0) -> dict:
    return {"n": n, "accuracy": acc, "cost_per_1k": cost, "errors": errors}


def policy(overall: dict, **families: dict) -> dict:
    return {"overall": overall, "by_family": families}


def doc(router: dict) -> dict:
    return {
        "policies": {
            "router": router,
            "single:big": policy(stats(0.90, 4.0), math=stats(0.95, 5.0, 50), code=stats(0.80, 2.0, 50)),
            "single:small": policy(stats(0.70, 0.2), math=stats(0.75, 0.2, 50), code=stats(0.85, 0.3, 50)),
        },
        "best_single": {"overall": "single:big", "by_family": {"math": "single:big", "code": "single:small"}},
    }


GATE = GateParams.model_validate({
    "overall": {"min_accuracy_vs_best_single": -0.005, "max_cost_vs_best_single": 0.5, "max_cost_per_1k": 3.0},
    "families": {"math": {"min_accuracy_vs_best_single": -0.02}, "code": {"min_accuracy_vs_best_single": -0.02},
                 "science": {"min_accuracy_vs_best_single": -0.02}},
})


def test_a_router_that_meets_every_threshold_passes() -> None:
    router = policy(stats(0.896, 1.9), math=stats(0.94, 3.0, 50), code=stats(0.84, 0.8, 50))
    checks = check_gate(doc(router), GATE)
    assert passed(checks)
    by = {(c.scope, c.check): c for c in checks}
    assert by[("overall", "accuracy (min)")].limit == pytest.approx(0.895)
    assert by[("overall", "cost/1k vs best single (max)")].limit == pytest.approx(2.0)
    assert by[("code", "accuracy (min)")].limit == pytest.approx(0.83)  # the best single *of that family*
    assert by[("science", "evaluated")].passed is None  # skipped: no science items


@pytest.mark.parametrize(("router", "failing"), [
    (policy(stats(0.89, 1.9), math=stats(0.94, 3.0), code=stats(0.84, 0.8)), {("overall", "accuracy (min)")}),
    (policy(stats(0.90, 2.1), math=stats(0.94, 3.0), code=stats(0.84, 0.8)),
     {("overall", "cost/1k vs best single (max)")}),
    (policy(stats(0.90, 1.0), math=stats(0.92, 3.0), code=stats(0.84, 0.8)), {("math", "accuracy (min)")}),
    (policy(stats(0.90, 1.0, errors=1), math=stats(0.94, 3.0), code=stats(0.84, 0.8)),
     {("overall", "error rate (max)")}),
])
def test_each_shortfall_fails_and_is_named(router: dict, failing: set) -> None:
    checks = check_gate(doc(router), GATE)
    assert not passed(checks)
    assert {(c.scope, c.check) for c in checks if c.passed is False} == failing
    table = render_table(checks)
    assert table.count("FAIL") == 1 and next(iter(failing))[1] in table


def test_absolute_cost_cap_applies_alone() -> None:
    gate = GateParams.model_validate({"overall": {"max_cost_per_1k": 1.0}})
    router = policy(stats(0.5, 1.5))
    assert [c.check for c in check_gate(doc(router), gate) if c.passed is False] == ["cost/1k (max)"]


def test_missing_family_can_be_made_to_fail() -> None:
    gate = GATE.model_copy(update={"missing_family": "fail"})
    router = policy(stats(0.896, 1.9), math=stats(0.94, 3.0), code=stats(0.84, 0.8))
    failed = [c for c in check_gate(doc(router), gate) if c.passed is False]
    assert [(c.scope, c.check) for c in failed] == [("science", "evaluated")]


def test_an_unevaluated_policy_fails_the_gate_naming_what_was_evaluated() -> None:
    d = doc(policy(stats(0.9, 1.0)))
    del d["policies"]["router"]
    checks = check_gate(d, GATE)
    doc_out = gate_document(checks, GATE)
    assert not doc_out["passed"] and "single:big" in checks[0].note


def test_bad_thresholds_are_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="max_cost_vs_best_single"):
        GateParams.model_validate({"overall": {"max_cost_vs_best_single": -1}})
    with pytest.raises(ValueError, match="unknown_knob"):
        GateParams.model_validate({"overall": {"unknown_knob": 1}})


def test_the_overall_rows_show_the_intervals_but_the_gate_reads_the_point_estimates() -> None:
    router = policy(stats(0.896, 1.9), math=stats(0.94, 3.0, 50), code=stats(0.84, 0.8, 50))
    evaluation = {**doc(router), "intervals_vs_best_single": {"reference": "single:big", "policies": {"router": {
        "accuracy_diff": {"estimate": -0.004, "low": -0.031, "high": 0.022},
        "cost_ratio": {"estimate": 0.475, "low": 0.41, "high": 0.55}}}}}
    with_iv, without = check_gate(evaluation, GATE), check_gate(doc(router), GATE)
    assert [(c.check, c.value, c.limit, c.passed) for c in with_iv] == [(c.check, c.value, c.limit, c.passed)
                                                                       for c in without]
    notes = {c.check: c.note for c in with_iv if c.scope == "overall"}
    assert notes["accuracy (min)"].endswith("; 95% CI of Δ pts [-3.10, +2.20]")
    assert notes["cost/1k vs best single (max)"].endswith("; 95% CI of ratio [0.41, 0.55]")
    assert "95% CI" in render_table(with_iv) and "95% CI" not in render_table(without)
