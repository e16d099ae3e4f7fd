"""Paired bootstrap confidence intervals for a router against a reference policy (the best single model).

Both policies answered the same prompts, so their per-prompt outcomes are paired: each bootstrap resample
draws prompts with replacement and evaluates the router *and* the reference on that same draw. The paired
design cancels the prompt-difficulty noise they share; an unpaired interval would be far wider.

* :func:`paired_bootstrap` (registered as ``"paired_bootstrap"``): intervals for the accuracy difference
  (router − reference) and for the cost ratio (router's total cost / the reference's).
* :func:`bootstrap_cost_saved` (registered as ``"bootstrap_cost_saved"``): an interval for
  :func:`~xrouter.metrics.matching.cost_saved_at_matched_accuracy` of a whole curve (one row of per-prompt
  outcomes per operating point), each resample re-drawing every point and the reference together.

Intervals are percentile intervals taken as order statistics of the resampled values (no interpolation, so
a curve that misses its target in some resamples, a saving of ``-inf``, still yields a defined bound).
Everything is seeded: the same inputs and seed give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from xrouter.metrics._checks import as_values
from xrouter.metrics.matching import cost_saved_at_matched_accuracy
from xrouter.metrics.registry import register_metric

CHUNK = 256  # resamples drawn at once: bounds memory to CHUNK × n prompts × operating points


@dataclass(frozen=True)
class Interval:
    """A point estimate on the full sample and its bootstrap interval ``[low, high]``."""

    estimate: float
    low: float
    high: float
    confidence: float
    resamples: int

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


def _check_options(resamples: int, confidence: float) -> None:
    if not (isinstance(resamples, int) and resamples >= 1):
        raise ValueError(f"resamples must be an integer >= 1, got {resamples!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def _draws(n: int, resamples: int, seed: int) -> Iterable[np.ndarray]:
    """Chunks of resampled prompt indices, ``[c, n]`` each, from one seeded generator."""
    rng = np.random.default_rng(seed)
    left = resamples
    while left > 0:
        c = min(CHUNK, left)
        yield rng.integers(0, n, size=(c, n))
        left -= c


def _interval(estimate: float, values: np.ndarray, confidence: float) -> Interval:
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1.0 - alpha], method="inverted_cdf")
    return Interval(float(estimate), float(low), float(high), confidence, int(values.size))


def _paired(values: dict[str, Sequence[float]], low: float | None = None) -> dict[str, np.ndarray]:
    arrays = {name: as_values(v, name, low=low) for name, v in values.items()}
    sizes = {name: a.size for name, a in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"paired inputs must have one value per prompt each, got lengths {sizes}")
    return arrays


@register_metric("paired_bootstrap")
def paired_bootstrap(
    correct: Sequence[float],
    cost: Sequence[float],
    ref_correct: Sequence[float],
    ref_cost: Sequence[float],
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, Interval]:
    """Paired bootstrap intervals of a router against a reference on the same prompts.

    Args:
        correct, cost: the router's score (0/1 or partial credit) and USD cost, one per prompt.
        ref_correct, ref_cost: the reference's, on the same prompts in the same order.
        resamples: bootstrap resamples of the prompts.
        confidence: coverage of the two-sided percentile interval (0.95: the 2.5th..97.5th percentiles).
        seed: seeds the resampling.

    Returns:
        ``{"accuracy_diff": router accuracy − reference accuracy, "cost_ratio": router cost / reference
        cost}``, each an :class:`Interval`. A resample where the reference spent nothing has ratio ``inf``.
    """
    _check_options(resamples, confidence)
    a = _paired({"correct": correct, "ref_correct": ref_correct}, low=0.0)
    c = _paired({"cost": cost, "ref_cost": ref_cost, "correct": correct}, low=0.0)
    if c["ref_cost"].sum() <= 0:
        raise ValueError("ref_cost sums to 0: a cost ratio against a reference that spent nothing is undefined")
    diff = a["correct"] - a["ref_correct"]
    stacked = np.stack([diff, c["cost"], c["ref_cost"]])  # [3, n]
    diffs, ratios = [], []
    for idx in _draws(diff.size, resamples, seed):
        sums = stacked[:, idx].sum(-1)  # [3, c]
        diffs.append(sums[0] / diff.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append(np.where(sums[2] > 0, sums[1] / np.where(sums[2] > 0, sums[2], 1.0), np.inf))
    return {
        "accuracy_diff": _interval(diff.mean(), np.concatenate(diffs), confidence),
        "cost_ratio": _interval(c["cost"].sum() / c["ref_cost"].sum(), np.concatenate(ratios), confidence),
    }


@register_metric("bootstrap_cost_saved")
def bootstrap_cost_saved(
    curve_correct: Sequence[Sequence[float]],
    curve_cost: Sequence[Sequence[float]],
    ref_correct: Sequence[float],
    ref_cost: Sequence[float],
    *,
    tolerance: float = 0.0,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Paired bootstrap interval of the share of the reference's cost a curve saves at its accuracy.

    Each resample re-draws the prompts, recomputes every operating point's (cost, accuracy) and the
    reference's on that draw, and applies :func:`cost_saved_at_matched_accuracy` (convex frontier,
    ``tolerance`` below the reference's accuracy).

    Args:
        curve_correct, curve_cost: ``[points, prompts]``: per operating point, its per-prompt score and cost.
        ref_correct, ref_cost: the reference's per-prompt score and cost, same prompts and order.

    Returns:
        An :class:`Interval` of the saving (in ``(-inf, 1]``; ``-inf`` where the curve misses the target).
    """
    _check_options(resamples, confidence)
    acc = np.asarray(curve_correct, dtype=float)
    cost = np.asarray(curve_cost, dtype=float)
    if acc.ndim != 2 or acc.shape != cost.shape or acc.shape[0] == 0:
        raise ValueError(f"curve_correct and curve_cost must both be [points, prompts], got {acc.shape} and "
                         f"{cost.shape}")
    ref = _paired({"ref_correct": ref_correct, "ref_cost": ref_cost}, low=0.0)
    if acc.shape[1] != ref["ref_correct"].size:
        raise ValueError(f"the curve has {acc.shape[1]} prompts per point, the reference {ref['ref_correct'].size}")
    as_values(acc.ravel(), "curve_correct", low=0.0)
    as_values(cost.ravel(), "curve_cost", low=0.0)
    if ref["ref_cost"].sum() <= 0:
        raise ValueError("ref_cost sums to 0: the saving against a reference that spent nothing is undefined")

    def saved(point_acc: np.ndarray, point_cost: np.ndarray, r_acc: float, r_cost: float) -> float:
        if r_cost <= 0:
            return -math.inf
        return cost_saved_at_matched_accuracy(list(zip(point_cost, point_acc)), (r_cost, r_acc), tolerance=tolerance)

    estimate = saved(acc.mean(1), cost.mean(1), ref["ref_correct"].mean(), ref["ref_cost"].mean())
    values = []
    for idx in _draws(acc.shape[1], resamples, seed):
        pa, pc = acc[:, idx].mean(-1), cost[:, idx].mean(-1)  # [points, c]
        ra, rc = ref["ref_correct"][idx].mean(-1), ref["ref_cost"][idx].mean(-1)
        values += [saved(pa[:, b], pc[:, b], ra[b], rc[b]) for b in range(idx.shape[0])]
    return _interval(estimate, np.asarray(values), confidence)
