"""Each training seed's test figures, with paired bootstrap 95% intervals against the best single model.

For every router — trained here with `--train-seeds` (params.yaml's `train` block with `train.embedded.seed`
replaced, the operating λ chosen as `train.selection` says; never on test) or given as folders with `--routers` —
the test split is rolled out greedily in the vectorized replay simulator (the same decisions as `RoutingEnv`,
tests/rl/test_embedded_router.py) at its shipped λ and at every `train.eval_lambdas` value. One row per router:
test accuracy and cost at the shipped λ, the accuracy difference and cost ratio against the best single model
on test with their intervals, and the curve's cost saved at that model's accuracy − 0.5 points with its interval.

    python benchmarks/seeds.py --routers models/router                  # the shipped router only (no training)
    nice -n 10 python benchmarks/seeds.py --train-seeds 0 1 2 --out-dir models/seeds [--json reports/seeds.json]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from xrouter.config import load_params
from xrouter.data.splits import split_ids
from xrouter.env.config import EnvParams
from xrouter.metrics import bootstrap_cost_saved, paired_bootstrap
from xrouter.pool import ModelPool
from xrouter.rl.embedded.evaluation import best_single
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.router import load_router
from xrouter.rl.embedded.run import run_embedded
from xrouter.rl.embedded.simulator import rollout
from xrouter.routers.training import training_data

TOLERANCE = 0.005
RESAMPLES = 1000


def outcomes(policy, data: ReplayTensors, lam: float, reward) -> tuple[list[float], list[float]]:
    n = len(data.prompt_ids)
    r = rollout(policy, data, torch.arange(n), torch.full((n,), float(lam)), reward, greedy=True)
    return r.score.tolist(), r.cost.tolist()


def figures(name: str, router_dir: Path, test: ReplayTensors, pool: ModelPool, env: EnvParams, lambdas: list[float],
            seed: int) -> dict:
    router = load_router(router_dir, pool)
    test = router.tensors(test)
    lam = router.card.operating_lambda if router.card.operating_lambda is not None else env.reward.lam
    ref_model = best_single(test)["model"]
    j = test.models.index(ref_model)
    ref = test.score[:, j].tolist(), test.cost[:, j].tolist()
    score, cost = outcomes(router.policy, test, lam, env.reward)
    iv = paired_bootstrap(score, cost, *ref, resamples=RESAMPLES, seed=seed)
    curve = [outcomes(router.policy, test, x, env.reward) for x in lambdas]
    saved = bootstrap_cost_saved([s for s, _ in curve], [c for _, c in curve], *ref, tolerance=TOLERANCE,
                                 resamples=RESAMPLES, seed=seed)
    return {"router": name, "dir": str(router_dir), "training": router.card.training, "lambda": lam,
            "accuracy": sum(score) / len(score), "cost_per_1k": 1000 * sum(cost) / len(cost),
            "best_single": ref_model, "best_single_accuracy": sum(ref[0]) / len(ref[0]),
            "best_single_cost_per_1k": 1000 * sum(ref[1]) / len(ref[1]),
            "accuracy_diff": iv["accuracy_diff"].as_dict(), "cost_ratio": iv["cost_ratio"].as_dict(),
            "cost_saved_at_matched_accuracy": saved.as_dict()}


def _fmt(iv: dict, scale: float, spec: str) -> str:
    def one(v):
        return "never" if v is None or (isinstance(v, float) and math.isinf(v)) else f"{scale * v:{spec}}"
    return f"{one(iv['estimate'])} [{one(iv['low'])}, {one(iv['high'])}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routers", type=Path, nargs="*", default=[], help="trained router folders to report")
    ap.add_argument("--train-seeds", type=int, nargs="*", default=[], help="train one router per seed first")
    ap.add_argument("--out-dir", type=Path, default=Path("models/seeds"), help="where --train-seeds routers go")
    ap.add_argument("--json", type=Path, default=Path("reports/seeds.json"))
    ap.add_argument("--bootstrap-seed", type=int, default=0)
    args = ap.parse_args()
    console = Console(width=170)
    params = load_params()
    env, tp = params.env, params.train
    data_dir = params.path(params.paths.data)
    routers = [(str(p), p) for p in args.routers]
    for seed in args.train_seeds:
        cfg = tp.model_copy(update={"embedded": tp.embedded.model_copy(update={"seed": seed})})
        out = args.out_dir / f"seed{seed}"
        start = time.perf_counter()
        run_embedded(data_dir, out, env, cfg, log_mlflow=False)
        console.print(f"seed {seed}: trained in {time.perf_counter() - start:.0f}s -> {out}")
        routers.append((f"seed {seed}", out))
    if not routers:
        ap.error("nothing to report: pass --routers and/or --train-seeds")
    td = training_data(data_dir, env.pool)
    test = ReplayTensors.build(td.world, split_ids(data_dir, "test", env.pool), td.pool)
    rows = [figures(name, path, test, td.pool, env, tp.eval_lambdas, args.bootstrap_seed) for name, path in routers]
    table = Table(title=f"Test split ({len(test.prompt_ids)} prompts), paired bootstrap 95% CIs vs "
                        f"{rows[0]['best_single']} (acc {rows[0]['best_single_accuracy']:.4f}, "
                        f"${rows[0]['best_single_cost_per_1k']:.3f}/1k), {RESAMPLES} resamples")
    for col in ("router", "λ", "accuracy", "Δ acc pts [95% CI]", "cost/1k $", "cost ratio [95% CI]",
                "curve: % saved @ best −0.5pt [95% CI]"):
        table.add_column(col, justify="left" if col == "router" else "right")
    for r in rows:
        table.add_row(r["router"], f"{r['lambda']:g}", f"{r['accuracy']:.4f}", _fmt(r["accuracy_diff"], 100, "+.2f"),
                      f"{r['cost_per_1k']:.3f}", _fmt(r["cost_ratio"], 1, ".2f"),
                      _fmt(r["cost_saved_at_matched_accuracy"], 100, ".1f"))
    console.print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"n_test": len(test.prompt_ids), "resamples": RESAMPLES, "rows": rows}, indent=2)
                         + "\n")


if __name__ == "__main__":
    main()
