"""Per-policy summaries of item records: overall, per benchmark and per benchmark family.

Every group reports n, accuracy, cost per 1k queries (USD), mean calls, latency p50/p95 (seconds), mean
reward, errors and the share of calls served from the response cache. `best_singles` names, per scope, the
most accurate single-model policy — the reference the gate compares against. `intervals_vs_best` adds paired
bootstrap 95% intervals of each policy's accuracy difference and cost ratio against that reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from xrouter.evaluate.harness import ItemRecord
from xrouter.metrics import paired_bootstrap

SINGLE_PREFIX = "single:"
BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95


def group_stats(records: list[ItemRecord]) -> dict:
    if not records:
        raise ValueError("no records to summarize")
    latency = np.array([r.latency_s for r in records])
    calls = sum(r.calls for r in records)
    return {
        "n": len(records),
        "accuracy": float(np.mean([r.score for r in records])),
        "cost_per_1k": float(1000 * np.mean([r.cost_usd for r in records])),
        "calls_per_query": float(calls / len(records)),
        "latency_p50_s": float(np.percentile(latency, 50)),
        "latency_p95_s": float(np.percentile(latency, 95)),
        "mean_reward": float(np.mean([r.reward for r in records])),
        "errors": sum(r.error is not None for r in records),
        "cache_hit_rate": float(sum(r.cache_hits for r in records) / calls) if calls else 0.0,
    }


def _by(records: Iterable[ItemRecord], key: str) -> dict[str, dict]:
    groups: dict[str, list[ItemRecord]] = defaultdict(list)
    for r in records:
        groups[getattr(r, key)].append(r)
    return {name: group_stats(rs) for name, rs in sorted(groups.items())}


def summarize_policy(records: list[ItemRecord]) -> dict:
    shares: dict[str, int] = defaultdict(int)
    for r in records:
        shares[r.final_model or "none"] += 1
    return {
        "overall": group_stats(records),
        "by_family": _by(records, "family"),
        "by_benchmark": _by(records, "benchmark"),
        "final_model_share": {m: c / len(records) for m, c in sorted(shares.items(), key=lambda kv: -kv[1])},
    }


def best_singles(policies: dict[str, dict]) -> dict:
    """{"overall": name, "by_family": {family: name}, "by_benchmark": {...}}: the most accurate single model per
    scope (ties: the cheaper one). Empty when no single-model policy was evaluated."""
    singles = {n: s for n, s in policies.items() if n.startswith(SINGLE_PREFIX)}
    if not singles:
        return {}

    def best(get) -> str | None:
        scored = [(n, get(s)) for n, s in singles.items() if get(s) is not None]
        if not scored:
            return None
        return max(scored, key=lambda ns: (ns[1]["accuracy"], -ns[1]["cost_per_1k"]))[0]

    out: dict = {"overall": best(lambda s: s["overall"])}
    for scope in ("by_family", "by_benchmark"):
        names = sorted({k for s in singles.values() for k in s[scope]})
        out[scope] = {k: best(lambda s, k=k, scope=scope: s[scope].get(k)) for k in names}
    return out


def intervals_vs_best(records: dict[str, list[ItemRecord]], best: str | None, seed: int = 0,
                      resamples: int = BOOTSTRAP_RESAMPLES) -> dict:
    """{policy: {"accuracy_diff": {...}, "cost_ratio": {...}}} against the overall best single model `best`:
    paired bootstrap intervals (the same resampled items for the policy and the reference, `seed`ed).
    Empty when there is no reference or it spent nothing (a ratio against $0 is undefined)."""
    if best is None or best not in records:
        return {}
    ref = {r.item_id: r for r in records[best]}
    ref_cost = [r.cost_usd for r in records[best]]
    if sum(ref_cost) <= 0:
        return {}
    out = {}
    for name, recs in records.items():
        if name == best:
            continue
        if {r.item_id for r in recs} != set(ref):
            raise ValueError(f"policy {name!r} was evaluated on other items than the reference {best!r}")
        pair = [ref[r.item_id] for r in recs]
        iv = paired_bootstrap([r.score for r in recs], [r.cost_usd for r in recs], [r.score for r in pair],
                              [r.cost_usd for r in pair], resamples=resamples, confidence=CONFIDENCE, seed=seed)
        out[name] = {k: v.as_dict() for k, v in iv.items()}
    return {"reference": best, "method": f"paired bootstrap over items, {resamples} resamples, seed {seed}",
            "policies": out}
