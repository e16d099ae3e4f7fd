"""The release gate: may this router ship? Pure checks of an evaluation summary against `params.yaml: gate`.

Per scope (overall, then each benchmark family with thresholds), the gated policy must reach the best single
model's accuracy plus `min_accuracy_vs_best_single` (the best single model of *that* scope), spend at most
`max_cost_vs_best_single` × that model's cost and at most `max_cost_per_1k` USD per 1k queries; and at most
`max_error_rate` of its episodes may have failed. Every check becomes a row of the gate's table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from xrouter.evaluate.config import GateParams, Threshold


@dataclass(frozen=True)
class Check:
    scope: str
    check: str
    value: float | None
    limit: float | None
    passed: bool | None  # None: skipped (nothing evaluated in that scope)
    note: str = ""


def _scope_checks(scope: str, stats: dict | None, best_name: str | None, best: dict | None, t: Threshold,
                  missing: str) -> list[Check]:
    if stats is None:
        return [Check(scope, "evaluated", None, None, False if missing == "fail" else None,
                      "no items of this family were evaluated")]
    out = []
    needs_single = t.min_accuracy_vs_best_single is not None or t.max_cost_vs_best_single is not None
    if needs_single and best is None:
        return [Check(scope, "best single", None, None, False, "no single-model policy was evaluated on this scope")]
    if t.min_accuracy_vs_best_single is not None:
        limit = best["accuracy"] + t.min_accuracy_vs_best_single
        out.append(Check(scope, "accuracy (min)", stats["accuracy"], limit, stats["accuracy"] >= limit - 1e-12,
                         f"best single {best_name}: {best['accuracy']:.4f}"))
    if t.max_cost_vs_best_single is not None:
        limit = best["cost_per_1k"] * t.max_cost_vs_best_single
        out.append(Check(scope, "cost/1k vs best single (max)", stats["cost_per_1k"], limit,
                         stats["cost_per_1k"] <= limit + 1e-12,
                         f"{t.max_cost_vs_best_single:g} × {best_name}'s ${best['cost_per_1k']:.3f}"))
    if t.max_cost_per_1k is not None:
        out.append(Check(scope, "cost/1k (max)", stats["cost_per_1k"], t.max_cost_per_1k,
                         stats["cost_per_1k"] <= t.max_cost_per_1k))
    return out


def check_gate(evaluation: dict, params: GateParams) -> list[Check]:
    """`evaluation` is the `metrics/eval.json` document (`policies`, `best_single`)."""
    policies = evaluation["policies"]
    if params.policy not in policies:
        return [Check("overall", "evaluated", None, None, False,
                      f"policy '{params.policy}' was not evaluated; evaluated: {sorted(policies)}")]
    mine = policies[params.policy]
    best = evaluation.get("best_single") or {}

    def ref(scope_key: str, name: str | None) -> tuple[str | None, dict | None]:
        single = best.get("overall") if scope_key == "overall" else (best.get("by_family") or {}).get(name)
        if single is None:
            return None, None
        s = policies[single]
        return single, s["overall"] if scope_key == "overall" else s["by_family"].get(name)

    n = mine["overall"]["n"]
    rate = mine["overall"]["errors"] / n
    checks = [Check("overall", "error rate (max)", rate, params.max_error_rate, rate <= params.max_error_rate)]
    overall = _scope_checks("overall", mine["overall"], *ref("overall", None), params.overall, params.missing_family)
    ivs = ((evaluation.get("intervals_vs_best_single") or {}).get("policies") or {}).get(params.policy)
    checks += [_with_interval(c, ivs) for c in overall] if ivs else overall
    for family, threshold in sorted(params.families.items()):
        checks += _scope_checks(family, mine["by_family"].get(family), *ref("family", family), threshold,
                                params.missing_family)
    return checks


def _with_interval(check: Check, ivs: dict) -> Check:
    """The overall accuracy and cost-ratio rows name their paired bootstrap 95% interval (shown, never gated)."""
    key, scale, spec = {"accuracy (min)": ("accuracy_diff", 100, "+.2f"),
                        "cost/1k vs best single (max)": ("cost_ratio", 1, ".2f")}.get(check.check, (None, 1, ""))
    iv = ivs.get(key) if key else None
    if not iv or iv.get("low") is None or iv.get("high") is None:
        return check
    what = "Δ pts" if key == "accuracy_diff" else "ratio"
    return replace(check, note=f"{check.note}; 95% CI of {what} [{scale * iv['low']:{spec}}, {scale * iv['high']:{spec}}]")


def passed(checks: list[Check]) -> bool:
    return all(c.passed is not False for c in checks)


def gate_document(checks: list[Check], params: GateParams) -> dict:
    return {"policy": params.policy, "passed": passed(checks), "failed": sum(c.passed is False for c in checks),
            "checks": [asdict(c) for c in checks]}


def render_table(checks: list[Check]) -> str:
    """A plain-text table of every check (what the gate prints when it stops `dvc repro`)."""
    rows = [("scope", "check", "value", "limit", "result", "note")]
    for c in checks:
        result = "skipped" if c.passed is None else ("pass" if c.passed else "FAIL")
        rows.append((c.scope, c.check, "-" if c.value is None else f"{c.value:.4f}",
                     "-" if c.limit is None else f"{c.limit:.4f}", result, c.note))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
