"""Operating curves: each router run over a sweep of its knob (λ, threshold, mixing weight, configuration),
one (cost per query, accuracy) point per setting, on the same queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from xrouter.env.episode import RoutingEnv
from xrouter.env.reward import RewardParams
from xrouter.env.types import EpisodeResult, Query
from xrouter.pool import ModelPool
from xrouter.routers.base import Router, SingleModelRouter
from xrouter.routers.cascade import CascadeRouter, pick_for_lambda
from xrouter.routers.training import TrainingData
from xrouter.routers.knn import KnnRouter
from xrouter.routers.mf import MFRouter
from xrouter.routers.simple import OracleRouter, RandomRouter

LAMBDAS = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 3000.0)


@dataclass
class Point:
    setting: str
    cost: float  # mean USD per query
    accuracy: float
    calls: float
    results: list[EpisodeResult] = field(default_factory=list, repr=False)


@dataclass
class Curve:
    router: str
    points: list[Point]
    default: Point  # the operating point at the default knob (reported in one-row tables)
    sees_labels: bool = False

    def xy(self) -> list[tuple[float, float]]:
        return [(p.cost, p.accuracy) for p in self.points]


def _point(env: RoutingEnv, router: Router, queries: list[Query], setting: str, lam: float) -> Point:
    """Routers without a λ knob still run at a λ: it prices their episodes' rewards."""
    res = env.run_all(router, queries, lam)
    return Point(setting, float(np.mean([r.cost_usd for r in res])), float(np.mean([r.score for r in res])),
                 float(np.mean([len(r.models_called) for r in res])), res)


def single_curves(env: RoutingEnv, pool: ModelPool, queries: list[Query], lam: float) -> list[Curve]:
    out = []
    for m in pool.ids:
        p = _point(env, SingleModelRouter(m), queries, m, lam)
        out.append(Curve(f"single:{m}", [p], p))
    return out


def baseline_curves(env: RoutingEnv, pool: ModelPool, queries: list[Query], train: TrainingData,
                    reward: RewardParams, default_lam: float, lambdas: tuple[float, ...] = LAMBDAS) -> list[Curve]:
    curves = []
    oracle = _point(env, OracleRouter(env.backend.world, pool), queries, "labels", default_lam)  # type: ignore[attr-defined]
    curves.append(Curve("oracle", [oracle], oracle, sees_labels=True))

    fit = train.mf
    rnd = [_point(env, RandomRouter([fit.weak, fit.strong], [1 - p, p]), queries, f"p_strong={p:.1f}", default_lam)
           for p in np.linspace(0, 1, 11)]
    curves.append(Curve(f"random({fit.weak}|{fit.strong})", rnd, rnd[5]))

    configs = train.cascades
    casc = [_point(env, CascadeRouter(c.cheap, c.escalate_to), queries, f"{'+'.join(c.cheap)}->{c.escalate_to}",
                   default_lam)
            for c in configs]
    chosen = pick_for_lambda(configs, default_lam, reward)
    curves.append(Curve("cascade", casc, casc[configs.index(chosen)]))

    knn = KnnRouter(train.matrix, train.embeddings, reward=reward)
    kp = [_point(env, knn, queries, f"lambda={lam:g}", lam) for lam in lambdas]
    if default_lam not in lambdas:  # the default row is at the asked λ, off the sweep's grid too
        kp.append(_point(env, knn, queries, f"lambda={default_lam:g}", default_lam))
    curves.append(Curve("knn", kp, next(p for p in kp if p.setting == f"lambda={default_lam:g}")))

    thresholds = np.unique(np.quantile(MFRouter(fit).strong_win_probability(train.embeddings), np.linspace(0, 1, 11)))
    mp = [_point(env, MFRouter(fit, float(min(max(t, 0.0), 1.0))), queries, f"threshold={t:.3f}", default_lam)
          for t in thresholds]
    default_mf = _point(env, MFRouter(fit, 0.5), queries, "threshold=0.500", default_lam)
    curves.append(Curve(f"mf({fit.weak}|{fit.strong})", mp + [default_mf], default_mf))
    return curves


def trained_curve(env: RoutingEnv, router: Router, queries: list[Query], default_lam: float,
                  lambdas: tuple[float, ...] = LAMBDAS) -> Curve:
    """A trained router's curve: one policy, λ chosen per request."""
    pts = [_point(env, router, queries, f"lambda={lam:g}", lam) for lam in lambdas]
    default = next((p for p, lam in zip(pts, lambdas) if lam == default_lam), None)
    if default is None:
        default = _point(env, router, queries, f"lambda={default_lam:g}", default_lam)
        pts.append(default)
    return Curve(router.name, pts, default)


def summarize(results: list[EpisodeResult], queries: list[Query]) -> dict:
    """n, accuracy, cost_per_1k (USD per 1,000 queries), calls_per_query, mean reward, and a by_task breakdown."""
    if not results:
        raise ValueError("no episode results to summarize")
    task_of = {q.prompt_id: q.task for q in queries}
    groups: dict[str, list[EpisodeResult]] = defaultdict(list)
    for r in results:
        groups[task_of.get(r.prompt_id, "")].append(r)

    def stats(rs: list[EpisodeResult]) -> dict:
        return {
            "n": len(rs),
            "accuracy": float(np.mean([r.score for r in rs])),
            "cost_per_1k": float(1000 * np.mean([r.cost_usd for r in rs])),
            "calls_per_query": float(np.mean([len(r.models_called) for r in rs])),
            "mean_reward": float(np.mean([r.reward for r in rs])),
        }

    out = stats(results)
    out["by_task"] = {t: stats(rs) for t, rs in sorted(groups.items())}
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        counts[r.final_model or "none"] += 1
    out["final_model_share"] = {m: c / len(results) for m, c in sorted(counts.items(), key=lambda kv: -kv[1])}
    return out
