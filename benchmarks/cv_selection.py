"""Out-of-fold (OOF) curves of fold routers on the same folds of train + val, to compare settings honestly:
step counts (what a cheaper cross-validation costs in agreement) and the correctness verifier (off, on with
ACCEPT's agreement rule, on with its `likely` rule; xrouter/rl/embedded/verifier.py).

Never reads the test split. Prints, per setting and λ, the held-out accuracy and cost per 1k, the λ it would
pick (`operating_tolerance` below the best single model's accuracy on the same prompts), the share of the best
single model's cost the OOF curve saves at that accuracy − 0.5 points, and the wall time.

    python benchmarks/cv_selection.py --steps 400 2000 [--verifier off agreement likely] [--folds 5]
        [--only-folds 0] [--json reports/cv_selection.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from xrouter.config import load_params
from xrouter.data.splits import split_ids
from xrouter.metrics.matching import cost_saved_at_matched_accuracy
from xrouter.rl.embedded.evaluation import best_single, choose_operating_lambda
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.selection import concat, out_of_fold, subset
from xrouter.routers.training import training_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, nargs="+", required=True, help="steps per fold router to compare")
    ap.add_argument("--verifier", nargs="+", default=["params"], choices=["params", "off", "agreement", "likely"],
                    help="verifier settings to compare (params: as params.yaml says)")
    ap.add_argument("--folds", type=int, default=None, help="k (default: train.selection.folds)")
    ap.add_argument("--only-folds", type=int, nargs="*", default=None, help="run these folds only (default: all)")
    ap.add_argument("--json", type=Path, default=Path("reports/cv_selection.json"))
    args = ap.parse_args()
    params = load_params()
    env, tp = params.env, params.train
    data_dir = params.path(params.paths.data)
    td = training_data(data_dir, env.pool)
    data = concat(ReplayTensors.build(td.world, td.prompt_ids, td.pool),
                  ReplayTensors.build(td.world, split_ids(data_dir, "val", env.pool), td.pool))
    sel = tp.selection.model_copy(update={"folds": args.folds or tp.selection.folds})
    out: dict = {"folds": sel.folds, "only_folds": args.only_folds, "n_prompts": len(data.prompt_ids), "runs": []}
    runs = [(steps, v) for v in args.verifier for steps in args.steps]
    for steps, variant in runs:
        cfg = tp.embedded
        if variant != "params":
            ver = cfg.verifier.model_copy(update={"enabled": variant != "off",
                                                  "select": "likely" if variant == "likely" else "agreement"})
            cfg = cfg.model_copy(update={"verifier": ver})
        start = time.perf_counter()
        oof = out_of_fold(data, cfg, env.reward, tp.eval_lambdas, sel.model_copy(update={"steps": steps}),
                          args.only_folds)
        seconds = time.perf_counter() - start
        seen = ~np.isnan(oof.score[0])
        ref = best_single(subset(data, np.flatnonzero(seen)))
        points = [{"lambda": lam, "accuracy": float(oof.score[k, seen].mean()),
                   "cost_per_query": float(oof.cost[k, seen].mean())} for k, lam in enumerate(oof.lambdas)]
        chosen = choose_operating_lambda(points, ref["accuracy"], tp.operating_tolerance)
        saved = cost_saved_at_matched_accuracy([(p["cost_per_query"], p["accuracy"]) for p in points],
                                               (ref["cost_per_query"], ref["accuracy"]),
                                               tolerance=tp.operating_tolerance)
        out["runs"].append({"steps": steps, "verifier": variant, "seconds": round(seconds, 1),
                            "n_held_out": int(seen.sum()), "best_single": ref, "chosen_lambda": chosen["lambda"],
                            "chosen": chosen, "curve_saved": saved, "curve": points})
        print(f"steps {steps}, verifier {variant}: {seconds:.0f}s, {int(seen.sum())} held-out prompts, best single "
              f"{ref['model']} {ref['accuracy']:.4f} ${1000 * ref['cost_per_query']:.3f}/1k; picks "
              f"λ={chosen['lambda']:g} ({chosen['accuracy']:.4f}, "
              f"{chosen['cost_per_query'] / ref['cost_per_query']:.0%} of its cost); curve saves {saved:.1%}",
              flush=True)
        for p in points:
            print(f"  λ={p['lambda']:<6g} accuracy {p['accuracy']:.4f}  cost/1k ${1000 * p['cost_per_query']:.3f}  "
                  f"({p['cost_per_query'] / ref['cost_per_query']:.0%} of best single)", flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
