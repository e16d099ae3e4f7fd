"""Greedy evaluation of an embedded policy in the simulator: one operating point per λ, the λ the router ships
at, and a collapse check.

RL-trained routers are known to collapse onto one model (Router-R1's users saw 2,772 of 2,834 calls go to one
model). `collapse_report` measures the share of calls and of final answers that the most-used model takes
at each λ; a share above the threshold at the λ the router ships at is flagged.
"""

from __future__ import annotations

import torch

from xrouter.env.reward import RewardParams
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.simulator import rollout


def operating_point(policy: EmbeddedPolicy, data: ReplayTensors, lam: float, reward: RewardParams) -> dict:
    n = len(data.prompt_ids)
    r = rollout(policy, data, torch.arange(n), torch.full((n,), float(lam)), reward, greedy=True)
    calls = r.calls.float()
    call_share = calls.sum(0) / calls.sum()
    final_share = torch.bincount(r.final, minlength=len(data.models)).float() / n
    return {
        "lambda": float(lam),
        "accuracy": float(r.score.mean()),
        "cost_per_query": float(r.cost.mean()),
        "calls_per_query": float(calls.sum(1).mean()),
        "reward": float(r.reward.mean()),
        "max_call_share": float(call_share.max()),
        "max_call_model": data.models[int(call_share.argmax())],
        "max_final_share": float(final_share.max()),
        "max_final_model": data.models[int(final_share.argmax())],
    }


def curve(policy: EmbeddedPolicy, data: ReplayTensors, lambdas: list[float], reward: RewardParams) -> list[dict]:
    return [operating_point(policy, data, lam, reward) for lam in lambdas]


def collapse_report(points: list[dict], default_lambda: float, threshold: float) -> dict:
    at = min(points, key=lambda p: abs(p["lambda"] - default_lambda))
    return {
        "collapsed": bool(at["max_call_share"] > threshold),
        "threshold": threshold,
        "lambda": at["lambda"],
        "max_call_share": at["max_call_share"],
        "max_call_model": at["max_call_model"],
        "max_final_share": at["max_final_share"],
        "distinct_final_models_over_sweep": len({p["max_final_model"] for p in points}),
    }


def best_single(data: ReplayTensors) -> dict:
    """The most accurate pool model alone on `data` (ties: the cheaper): the reference the gate compares with."""
    acc, cost = data.score.mean(0), data.cost.mean(0)
    j = max(range(len(data.models)), key=lambda k: (float(acc[k]), -float(cost[k])))
    return {"model": data.models[j], "accuracy": float(acc[j]), "cost_per_query": float(cost[j])}


def choose_operating_lambda(points: list[dict], reference_accuracy: float, tolerance: float) -> dict:
    """The λ a router ships at, from its validation curve: the cheapest point whose accuracy is within
    `tolerance` of `reference_accuracy` (the best single model's), else the most accurate point (ties: the
    cheaper). Returns that point with `"reason"`."""
    if not points:
        raise ValueError("choose_operating_lambda: empty curve")
    ok = [p for p in points if p["accuracy"] >= reference_accuracy - tolerance - 1e-12]
    if ok:
        chosen = min(ok, key=lambda p: (p["cost_per_query"], -p["accuracy"]))
        return {**chosen, "reason": f"cheapest λ within {tolerance:g} of the best single model's accuracy"}
    chosen = max(points, key=lambda p: (p["accuracy"], -p["cost_per_query"]))
    return {**chosen, "reason": f"no λ within {tolerance:g} of the best single model's accuracy: the most accurate"}
