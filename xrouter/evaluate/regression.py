"""Regression check of the nightly evaluation: today's figures of the registered router against the last
passing nightly run's. Pure functions of two flat metric dicts; `params.yaml: nightly` holds the thresholds.

A metric dict is what `flat_metrics` makes of an evaluation summary: `overall/accuracy`,
`overall/cost_per_1k`, `overall/n` and the same per benchmark (`benchmark/<name>/accuracy`, ...). Accuracy
regresses when it falls by more than an absolute number of points; cost when cost per 1k queries rises by more
than a share of the baseline's.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class NightlyParams(BaseModel):
    """`params.yaml: nightly` — the nightly-eval flow (flows/nightly_eval.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiment: str = Field("xrouter-nightly", description="MLflow experiment of the nightly runs (baselines).")
    max_accuracy_drop: float = Field(
        0.01, ge=0, description="Overall accuracy may fall at most this much (absolute: 0.01 = 1 point).")
    max_accuracy_drop_per_benchmark: float = Field(
        0.03, ge=0, description="Per benchmark (noisier: fewer items), absolute.")
    max_cost_increase: float = Field(
        0.10, ge=0, description="Cost per 1k queries may rise at most this share of the baseline's (overall and "
                                "per benchmark).")
    min_items_per_benchmark: int = Field(
        20, ge=1, description="Benchmarks with fewer evaluated items are compared overall only.")


SCOPE_OVERALL = "overall"


def flat_metrics(summary: dict) -> dict[str, float]:
    """One policy's evaluation summary (`summarize_policy`) as flat metrics, overall and per benchmark."""
    out: dict[str, float] = {}
    scopes = {SCOPE_OVERALL: summary["overall"], **{f"benchmark/{b}": s for b, s in summary["by_benchmark"].items()}}
    for scope, s in scopes.items():
        for key in ("accuracy", "cost_per_1k", "n"):
            out[f"{scope}/{key}"] = float(s[key])
    return out


def scopes(metrics: dict[str, float]) -> list[str]:
    """'overall' first, then benchmarks in name order."""
    found = {k.rsplit("/", 1)[0] for k in metrics if k.endswith("/accuracy")}
    return sorted(found, key=lambda s: (s != SCOPE_OVERALL, s))


@dataclass(frozen=True)
class Regression:
    scope: str       # 'overall' or 'benchmark/<name>'
    metric: str      # 'accuracy' | 'cost_per_1k'
    before: float
    after: float
    limit: float     # the allowed change (accuracy: points it may fall; cost: share it may rise)

    @property
    def where(self) -> str:
        return "overall" if self.scope == SCOPE_OVERALL else f"on benchmark {self.scope.removeprefix('benchmark/')}"

    def describe(self) -> str:
        if self.metric == "accuracy":
            return (f"accuracy {self.where} fell {self.before:.4f} -> {self.after:.4f} "
                    f"({100 * (self.after - self.before):+.2f} points; at most -{100 * self.limit:.2f} allowed)")
        rise = "from nothing" if self.before == 0 else f"{100 * (self.after / self.before - 1):+.1f}%"
        return (f"cost per 1k queries {self.where} rose ${self.before:.3f} -> ${self.after:.3f} ({rise}; at most "
                f"+{100 * self.limit:.1f}% allowed)")


def compare(current: dict[str, float], baseline: dict[str, float], p: NightlyParams) -> list[Regression]:
    """Every threshold `current` breaks against `baseline`, overall first. Benchmarks missing from either side,
    or with fewer than `min_items_per_benchmark` items today, are not compared."""
    found: list[Regression] = []
    for scope in scopes(current):
        if f"{scope}/accuracy" not in baseline:
            continue
        overall = scope == SCOPE_OVERALL
        if not overall and current.get(f"{scope}/n", 0) < p.min_items_per_benchmark:
            continue
        drop = p.max_accuracy_drop if overall else p.max_accuracy_drop_per_benchmark
        before, after = baseline[f"{scope}/accuracy"], current[f"{scope}/accuracy"]
        if before - after > drop + 1e-12:
            found.append(Regression(scope, "accuracy", before, after, drop))
        before, after = baseline[f"{scope}/cost_per_1k"], current[f"{scope}/cost_per_1k"]
        if after > before * (1 + p.max_cost_increase) + 1e-12:
            found.append(Regression(scope, "cost_per_1k", before, after, p.max_cost_increase))
    return found


def reason(regressions: list[Regression], subject: str, reference: str) -> str:
    """The failure message: what regressed, where and by how much, against what."""
    lines = [f"{subject} regressed against {reference}:"] + [f"  - {r.describe()}" for r in regressions]
    return "\n".join(lines)
