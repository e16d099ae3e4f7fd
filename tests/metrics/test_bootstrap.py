"""Paired bootstrap intervals: identical policies, a dominated policy, a known ratio, seeding, bad input."""

import math

import numpy as np
import pytest

from xrouter.metrics import bootstrap_cost_saved, get_metric, paired_bootstrap

REF_CORRECT = [1, 1, 0, 1, 0, 1, 1, 0, 1, 1] * 4  # 40 prompts, accuracy 0.7
REF_COST = [0.02, 0.01, 0.03, 0.02, 0.01, 0.02, 0.04, 0.01, 0.02, 0.02] * 4


def test_identical_policies_give_zero_difference_and_ratio_one_in_every_resample():
    out = paired_bootstrap(REF_CORRECT, REF_COST, REF_CORRECT, REF_COST, resamples=300, seed=1)
    diff, ratio = out["accuracy_diff"], out["cost_ratio"]
    assert (diff.estimate, diff.low, diff.high) == (0.0, 0.0, 0.0)
    assert ratio.estimate == pytest.approx(1.0) and ratio.low == pytest.approx(1.0) and ratio.high == pytest.approx(1.0)
    assert diff.contains(0.0) and ratio.contains(1.0)


def test_a_dominated_policy_has_an_interval_that_excludes_zero():
    # wrong on every prompt the reference gets right except a third; a tenth of the cost throughout
    correct = [c if k % 3 == 0 else 0 for k, c in enumerate(REF_CORRECT)]
    cost = [c / 10 for c in REF_COST]
    out = paired_bootstrap(correct, cost, REF_CORRECT, REF_COST, resamples=500, seed=0)
    diff = out["accuracy_diff"]
    assert diff.estimate == pytest.approx(np.mean(correct) - 0.7)
    assert diff.high < 0 and not diff.contains(0.0)
    assert diff.low <= diff.estimate <= diff.high
    # a constant per-prompt ratio is the same on every resample
    assert out["cost_ratio"].low == pytest.approx(0.1) and out["cost_ratio"].high == pytest.approx(0.1)


def test_pairing_makes_the_interval_narrower_than_the_noise_of_each_policy():
    # the router differs from the reference on 2 prompts of 40 only: its accuracy alone is ±~14 pts noisy,
    # the paired difference is not
    correct = list(REF_CORRECT)
    correct[2], correct[4] = 1, 1
    diff = paired_bootstrap(correct, REF_COST, REF_CORRECT, REF_COST, resamples=1000, seed=3)["accuracy_diff"]
    assert diff.estimate == pytest.approx(0.05)
    assert diff.low >= 0.0 and diff.high <= 0.125


def test_same_seed_same_interval_other_seed_other_draws():
    correct = [1, 0, 1, 1, 0, 0, 1, 1, 0, 1] * 4
    a = paired_bootstrap(correct, REF_COST, REF_CORRECT, REF_COST, resamples=200, seed=7)
    b = paired_bootstrap(correct, REF_COST, REF_CORRECT, REF_COST, resamples=200, seed=7)
    c = paired_bootstrap(correct, REF_COST, REF_CORRECT, REF_COST, resamples=200, seed=8)
    assert a == b
    assert a["accuracy_diff"].as_dict()["resamples"] == 200
    assert (a["accuracy_diff"].low, a["accuracy_diff"].high) != (c["accuracy_diff"].low, c["accuracy_diff"].high) \
        or (a["cost_ratio"].low, a["cost_ratio"].high) != (c["cost_ratio"].low, c["cost_ratio"].high)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="one value per prompt"):
        paired_bootstrap([1, 0], [0.1, 0.1], [1, 0, 1], [0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="ref_cost sums to 0"):
        paired_bootstrap([1, 0], [0.1, 0.1], [1, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap([1], [0.1], [1], [0.1], confidence=1.5)
    with pytest.raises(ValueError, match="resamples"):
        paired_bootstrap([1], [0.1], [1], [0.1], resamples=0)
    with pytest.raises(ValueError, match=r"\[points, prompts\]"):
        bootstrap_cost_saved([1, 0], [0.1, 0.1], [1, 0], [0.1, 0.1])


def test_both_are_registered():
    assert get_metric("paired_bootstrap") is paired_bootstrap
    assert get_metric("bootstrap_cost_saved") is bootstrap_cost_saved


def test_cost_saved_of_a_curve_through_the_reference_itself():
    # two points: a cheap one that is always wrong, and the reference itself -> saves 0 at tolerance 0
    n = len(REF_CORRECT)
    curve_correct = [[0] * n, REF_CORRECT]
    curve_cost = [[0.001] * n, REF_COST]
    out = bootstrap_cost_saved(curve_correct, curve_cost, REF_CORRECT, REF_COST, resamples=200, seed=0)
    assert out.estimate == pytest.approx(0.0)
    assert out.low == pytest.approx(0.0) and out.high == pytest.approx(0.0)


def test_cost_saved_interval_brackets_the_estimate_and_misses_are_minus_inf():
    n = len(REF_CORRECT)
    half = [c if k % 2 else 0 for k, c in enumerate(REF_CORRECT)]
    curve_correct = [half, REF_CORRECT]
    curve_cost = [[c / 10 for c in REF_COST], [0.01] * n]  # the reference averages $0.02
    out = bootstrap_cost_saved(curve_correct, curve_cost, REF_CORRECT, REF_COST, tolerance=0.0, resamples=300)
    assert out.estimate == pytest.approx(0.5)  # the second point matches the reference at half its cost
    assert out.low < out.estimate < out.high  # the reference's cost varies between resamples
    never = bootstrap_cost_saved([half], [[0.001] * n], REF_CORRECT, REF_COST, resamples=50)
    assert never.estimate == -math.inf and never.high == -math.inf
    assert never.as_dict()["estimate"] is None
