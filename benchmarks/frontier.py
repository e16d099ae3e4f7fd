"""The accuracy–cost frontier of every router on the replay test split (ZeroEval pool, 28 models).

Prints one row per router — accuracy, cost per 1k queries, % cost saved against the best single model at
matched accuracy (within 0.5 points), frontier AUC (RouterBench AIQ over a shared cost range) — and saves the
curves as a PNG. Routers' rows carry paired bootstrap 95% intervals (test prompts resampled, the router and the
best single model scored on the same draw) of the accuracy difference, the cost ratio at the row's setting and
the curve's saving. Reads the prepared tables (run `make run` first).

    python benchmarks/frontier.py [--out reports/frontier.png] [--json reports/frontier.json]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from xrouter.backends.replay import ReplayBackend  # noqa: E402
from xrouter.config import load_params  # noqa: E402
from xrouter.env.episode import RoutingEnv  # noqa: E402
from xrouter.env.judge import ReplayJudge  # noqa: E402
from xrouter.data.splits import split_ids  # noqa: E402
from xrouter.routers.training import training_data  # noqa: E402
from xrouter.env.queries import replay_queries  # noqa: E402
from xrouter.metrics import (  # noqa: E402
    bootstrap_cost_saved,
    cost_saved_at_matched_accuracy,
    frontier_auc,
    paired_bootstrap,
    shared_cost_range,
)
from xrouter.routers.card import is_router_dir, read_card, resolve_lambda  # noqa: E402
from xrouter.routers.curves import Curve, Point, baseline_curves, single_curves, trained_curve  # noqa: E402

TOLERANCE = 0.005  # "matches" = within 0.5 accuracy points
RESAMPLES = 1000


def _outcomes(p: Point) -> tuple[list[float], list[float]]:
    return [r.score for r in p.results], [r.cost_usd for r in p.results]


def intervals(c: Curve, best: Point, seed: int, resamples: int = RESAMPLES) -> dict:
    """Paired bootstrap 95% intervals of a curve against the best single model on the same test prompts: the
    accuracy difference and cost ratio at the curve's default point, and the curve's cost saved at matched
    accuracy (every curve point re-scored on each resample)."""
    ref = _outcomes(best)
    iv = paired_bootstrap(*_outcomes(c.default), *ref, resamples=resamples, seed=seed)
    per_point = [_outcomes(p) for p in c.points]
    saved = bootstrap_cost_saved([s for s, _ in per_point], [k for _, k in per_point], *ref, tolerance=TOLERANCE,
                                 resamples=resamples, seed=seed)
    return {"accuracy_diff": iv["accuracy_diff"].as_dict(), "cost_ratio": iv["cost_ratio"].as_dict(),
            "cost_saved_at_matched_accuracy": saved.as_dict()}


def _span(iv: dict, scale: float, fmt: str) -> str:
    lo, hi = iv["low"], iv["high"]
    return "[" + ", ".join("never" if v is None else f"{scale * v:{fmt}}" for v in (lo, hi)) + "]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("reports/frontier.png"))
    ap.add_argument("--json", type=Path, default=Path("reports/frontier.json"))
    ap.add_argument("--lambda", dest="lam", type=float, default=None,
                    help="the λ of each router's table row (default: the trained router's operating λ, chosen on "
                         "held-out data; needed when there is no trained router)")
    ap.add_argument("--router", type=Path, default=Path("models/router"),
                    help="a trained router folder to include (skipped when absent)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resampling")
    args = ap.parse_args()
    console = Console(width=170)
    start = time.perf_counter()
    params = load_params()
    data_dir = params.path(params.paths.data)
    train = training_data(data_dir, "zeroeval")
    world, pool = train.world, train.pool
    test_ids = split_ids(data_dir, "test", "zeroeval")
    queries = replay_queries(world, test_ids)
    reward = params.env.reward
    card = read_card(args.router) if is_router_dir(args.router) else None
    lam, _ = resolve_lambda("router" if args.lam is None else args.lam, card)
    env = RoutingEnv(pool, ReplayBackend(world), ReplayJudge(world), reward=reward)

    singles = single_curves(env, pool, queries, lam)
    curves = baseline_curves(env, pool, queries, train, reward, lam)
    if card is not None:
        from xrouter.rl.embedded.router import load_router

        curves.insert(0, trained_curve(env, load_router(args.router, pool), queries, lam))
    else:
        console.print(f"no trained router at {args.router}: baselines only")
    best = max(singles, key=lambda c: (c.default.accuracy, -c.default.cost)).default
    everything = singles + curves
    cost_range = shared_cost_range(*(c.xy() for c in everything))

    table = Table(title=f"Replay test split: {len(queries)} ZeroEval prompts, 28-model pool, λ={lam:g} "
                        f"(best single: {best.setting}, acc {best.accuracy:.4f})")
    for col in ("router", "accuracy", "Δ acc 95% CI (pts)", "cost/1k $", "cost ratio 95% CI", "calls/q",
                "% cost saved @ best acc −0.5pt", "saved 95% CI", "frontier AUC"):
        table.add_column(col, justify="left" if col == "router" else "right")
    rows = []
    for c in sorted(curves, key=lambda c: c.router) + sorted(singles, key=lambda c: -c.default.accuracy):
        saved = cost_saved_at_matched_accuracy(c.xy(), (best.cost, best.accuracy), tolerance=TOLERANCE)
        auc = frontier_auc(c.xy(), cost_range)
        label = c.router + (" (limit: sees labels)" if c.sees_labels else "")
        iv = None if c.router.startswith("single:") else intervals(c, best, args.seed)
        rows.append({"router": c.router, "sees_labels": c.sees_labels, "accuracy": c.default.accuracy,
                     "cost_per_1k": 1000 * c.default.cost, "calls_per_query": c.default.calls,
                     "cost_saved_at_matched_accuracy": None if math.isinf(saved) else saved, "frontier_auc": auc,
                     "intervals_vs_best_single": iv,
                     "curve": [{"setting": p.setting, "cost_per_1k": 1000 * p.cost, "accuracy": p.accuracy}
                               for p in c.points]})
        table.add_row(label, f"{c.default.accuracy:.4f}", _span(iv["accuracy_diff"], 100, "+.1f") if iv else "",
                      f"{1000 * c.default.cost:.3f}", _span(iv["cost_ratio"], 1, ".2f") if iv else "",
                      f"{c.default.calls:.2f}", "never reaches" if math.isinf(saved) else f"{100 * saved:.1f}%",
                      _span(iv["cost_saved_at_matched_accuracy"], 100, ".1f") + " %" if iv else "", f"{auc:.4f}")
    console.print(table)
    console.print(f"95% CIs: paired bootstrap over the {len(queries)} test prompts ({RESAMPLES} resamples, seed "
                  f"{args.seed}) against {best.setting}; 'never' = the curve misses the target on that resample.")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 6))
    ax.scatter([1000 * s.default.cost for s in singles], [s.default.accuracy for s in singles], s=14, c="grey",
               label="single models")
    for c in curves:
        pts = sorted(c.xy())
        ax.plot([1000 * x for x, _ in pts], [y for _, y in pts], marker="o", ms=3, label=c.router)
    ax.set_xscale("log")
    ax.set_xlabel("cost per 1k queries (USD, log)")
    ax.set_ylabel("accuracy")
    ax.set_title("Replay test split: accuracy vs cost")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(args.out, dpi=130)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"n": len(queries), "lambda": lam, "best_single": best.setting,
                                     "cost_range": cost_range, "bootstrap": {"resamples": RESAMPLES, "seed": args.seed},
                                     "rows": rows}, indent=2) + "\n")
    console.print(f"curves -> {args.out}, table -> {args.json}; {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
