"""Validation-split frontier for tuning the embedded router: baselines' val curves and AUC, computed exactly as
benchmarks/frontier.py does on test (same routers, same λ sweep, RouterBench AIQ over the cost range shared by
every single model and baseline), plus a trained policy's val curve from the vectorized simulator (which a test
shows takes the same decisions as `RoutingEnv`).

Tuning happens here, on val; benchmarks/frontier.py reports test once at the end.

    python benchmarks/rl_val.py                      # baselines' val table (cached under /tmp)
    python benchmarks/rl_val.py --router models/router   # plus a trained router folder
    python benchmarks/rl_val.py --train              # train with params.yaml's train block and report val
"""

from __future__ import annotations

import argparse
import math
import pickle
import time
from pathlib import Path

import torch

from xrouter.config import load_params
from xrouter.env.reward import RewardParams
from xrouter.metrics import cost_saved_at_matched_accuracy, frontier_auc, shared_cost_range
from xrouter.routers.curves import LAMBDAS

CACHE = Path("/tmp/xrouter_rl_val_cache.pkl")
TOLERANCE = 0.005


def load(data_dir: Path, pool_name: str, reward: RewardParams, lam: float, cache: Path = CACHE) -> dict:
    """{'train': ReplayTensors, 'val': ReplayTensors, 'baselines': {router: [(cost, acc, setting)]},
    'default': {router: (cost, acc)}}; built once, then read from `cache`."""
    if cache.is_file():
        return pickle.loads(cache.read_bytes())
    from xrouter.backends.replay import ReplayBackend  # noqa: PLC0415
    from xrouter.env.episode import RoutingEnv  # noqa: PLC0415
    from xrouter.env.judge import ReplayJudge  # noqa: PLC0415
    from xrouter.data.splits import split_ids  # noqa: PLC0415
    from xrouter.routers.training import training_data  # noqa: PLC0415
    from xrouter.env.queries import replay_queries  # noqa: PLC0415
    from xrouter.rl.embedded.replay_data import ReplayTensors  # noqa: PLC0415
    from xrouter.routers.curves import baseline_curves, single_curves  # noqa: PLC0415

    td = training_data(data_dir, pool_name)
    val_ids = split_ids(data_dir, "val", pool_name)
    out = {"train": ReplayTensors.build(td.world, td.prompt_ids, td.pool),
           "val": ReplayTensors.build(td.world, val_ids, td.pool)}
    env = RoutingEnv(td.pool, ReplayBackend(td.world), ReplayJudge(td.world), reward=reward)
    queries = replay_queries(td.world, val_ids)
    curves = single_curves(env, td.pool, queries, lam) + baseline_curves(env, td.pool, queries, td, reward, lam)
    out["baselines"] = {c.router: [(p.cost, p.accuracy, p.setting) for p in c.points] for c in curves}
    out["default"] = {c.router: (c.default.cost, c.default.accuracy) for c in curves}
    cache.write_bytes(pickle.dumps(out))
    return out


def policy_curve(policy, val, reward: RewardParams, lambdas=LAMBDAS) -> list[dict]:
    from xrouter.rl.embedded.evaluation import curve  # noqa: PLC0415

    return curve(policy, val, list(lambdas), reward)


def report(d: dict, extra: dict[str, list[tuple[float, float, str]]] | None = None,
           extra_default: dict[str, tuple[float, float]] | None = None, quiet_singles: bool = True) -> dict:
    """Print one row per router (val accuracy and cost at the default λ, % saved vs the best single model at
    matched accuracy, AUC over the shared range); returns {router: auc}."""
    base, default = d["baselines"], d["default"]
    singles = {k: v for k, v in base.items() if k.startswith("single:")}
    # The shared range is over singles and baselines (as in frontier.py, where a trained router's own points
    # also enter; its costs always lie within the singles' range, so the range is the same).
    rng = shared_cost_range(*([(c, a) for c, a, _ in pts] for pts in base.values()))
    best = max(singles.values(), key=lambda pts: (pts[0][1], -pts[0][0]))[0]
    rows = {**base, **(extra or {})}
    dflt = {**default, **(extra_default or {})}
    aucs = {}
    print(f"val: best single {best[2]} acc {best[1]:.4f} @ ${1000 * best[0]:.3f}/1k; cost range "
          f"[{1000 * rng[0]:.3f}, {1000 * rng[1]:.3f}] $/1k")
    print(f"{'router':44s} {'acc':>7s} {'$/1k':>7s} {'saved@best-0.5pt':>17s} {'AUC':>7s}")
    for name, pts in rows.items():
        xy = [(c, a) for c, a, _ in pts]
        auc = frontier_auc(xy, rng)
        aucs[name] = auc
        if quiet_singles and name.startswith("single:") and name != f"single:{best[2]}":
            continue
        saved = cost_saved_at_matched_accuracy(xy, (best[0], best[1]), tolerance=TOLERANCE)
        c, a = dflt[name]
        print(f"{name[:44]:44s} {a:7.4f} {1000 * c:7.3f} {'never' if math.isinf(saved) else f'{100 * saved:.1f}%':>17s} "
              f"{auc:7.4f}")
    return aucs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--router", type=Path, default=None, help="a trained router folder")
    ap.add_argument("--train", action="store_true", help="train with params.yaml's train block first")
    ap.add_argument("--out", type=Path, default=Path("/tmp/rl_val_router"), help="where --train saves the router")
    ap.add_argument("--lambda", dest="lam", type=float, default=2.0,
                    help="the λ of each router's default row (2.0: the released xRouter's)")
    args = ap.parse_args()
    params = load_params()
    env = params.env
    data_dir = params.path(params.paths.data)
    d = load(data_dir, env.pool, env.reward, args.lam)
    extra, extra_default = {}, {}
    if args.train:
        from xrouter.rl.embedded.run import run_embedded  # noqa: PLC0415

        tp = params.train
        t0 = time.perf_counter()
        run_embedded(data_dir, args.out, env, tp, log_mlflow=False)
        print(f"trained in {time.perf_counter() - t0:.0f}s -> {args.out}")
        args.router = args.out
    if args.router is not None:
        from xrouter.rl.embedded.router import load_router  # noqa: PLC0415

        val = d["val"]
        router = load_router(args.router, _pool(data_dir, env.pool))
        pts = policy_curve(router.policy, router.tensors(val), env.reward)
        extra["trained"] = [(p["cost_per_query"], p["accuracy"], f"lambda={p['lambda']:g}") for p in pts]
        at = min(pts, key=lambda p: abs(p["lambda"] - args.lam))
        extra_default["trained"] = (at["cost_per_query"], at["accuracy"])
        for p in pts:
            print(f"  λ={p['lambda']:<6g} acc {p['accuracy']:.4f} ${1000 * p['cost_per_query']:.3f}/1k "
                  f"calls {p['calls_per_query']:.2f}")
    report(d, extra, extra_default)


def _pool(data_dir: Path, pool_name: str):
    from xrouter.routers.training import training_data  # noqa: PLC0415

    return training_data(data_dir, pool_name).pool


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
