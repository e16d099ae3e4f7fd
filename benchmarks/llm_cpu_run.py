"""A short CPU DAPO run of the tool-calling LLM router (SmolLM2-135M) on the replay train split; prints each
step's sampled reward and call shares, and the greedy reward on fixed train prompts before and after.

The defaults are `params.yaml: train.llm` and `env`; the flags override them for one run, e.g. runs of
docs/training.md:

    python benchmarks/llm_cpu_run.py --pool-models gemma-2-2b-it o1-mini-2024-09-12 --lam 2 --max-turns 1 \\
        --steps 12 --prompts-per-step 8 --lr 1e-5
    python benchmarks/llm_cpu_run.py --lam 2 --max-turns 1 --steps 20 --prompts-per-step 8 --lr 1e-5
    python benchmarks/llm_cpu_run.py --pool-models gpt-4o-mini-2024-07-18 o1-mini-2024-09-12 --max-turns 1 \\
        --steps 40 --threads 2 --probe-lambdas 2 300

Nothing is logged to MLflow; the trained router goes to --out (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

import torch

from xrouter.config import load_params
from xrouter.env.episode import RoutingEnv
from xrouter.rl.llm.policy import LLMPolicy
from xrouter.rl.llm.rollout import run_episodes
from xrouter.rl.llm.router import load_llm_router
from xrouter.rl.llm.run import llm_setup, load_base_model, new_policy, run_llm

ROOT = Path(__file__).resolve().parents[1]


def probe(env: RoutingEnv, policy: LLMPolicy, pool, queries, lams: list[float], response_chars: int) -> dict:
    """Greedy episodes on the probe prompts at each λ: reward, accuracy and the share of calls per model."""
    out = {}
    for lam in lams:
        eps = run_episodes(env, policy, pool, queries, [lam] * len(queries), response_chars, greedy=True)
        calls = Counter(m for e in eps for m in e.result.models_called)
        total = max(sum(calls.values()), 1)
        out[f"{lam:g}"] = {"reward": round(sum(e.result.reward for e in eps) / len(eps), 4),
                           "accuracy": round(sum(e.result.score for e in eps) / len(eps), 4),
                           "call_share": {m: round(n / total, 2) for m, n in calls.most_common()}}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool-models", nargs="+", default=None, help="tools (default: train.llm.pool_models)")
    ap.add_argument("--lam", type=float, default=None, help="one fixed λ (default: train.llm.lambda_range)")
    ap.add_argument("--max-turns", type=int, default=None, help="env.limits.max_turns for this run")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--prompts-per-step", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--temperature", type=float, default=None)
    ap.add_argument("--eval-prompts", type=int, default=24)
    ap.add_argument("--probe-lambdas", type=float, nargs="*", default=[],
                    help="also score the base and the trained router greedily at these λ (probe prompts)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    params = load_params(ROOT / "params.yaml")
    env = params.env
    if args.max_turns is not None:
        env = env.model_copy(update={"limits": env.limits.model_copy(update={"max_turns": args.max_turns})})
    cfg = params.train.llm
    update = {"eval_prompts": args.eval_prompts}
    for key in ("pool_models", "steps", "prompts_per_step", "lr", "temperature"):
        if getattr(args, key) is not None:
            update[key] = getattr(args, key)
    if args.lam is not None:
        update["lambda_range"] = (args.lam, args.lam)
    cfg = cfg.model_validate({**cfg.model_dump(), **update})

    setup = llm_setup(params.path(params.paths.data), env, cfg)
    queries = setup.queries[: cfg.eval_prompts]  # train_llm's greedy probe prompts
    probes: dict[str, dict] = {}
    if args.probe_lambdas:
        base = new_policy(*load_base_model(cfg), setup.pool, cfg)
        probes["before"] = probe(setup.env, base, setup.pool, queries, args.probe_lambdas, cfg.response_chars)
        del base

    steps: list[dict] = []

    def on_step(step: int, m: dict) -> None:
        steps.append(m)
        shares = {k.split("/", 1)[1]: round(v, 2) for k, v in m.items() if k.startswith("call_share/")}
        print(f"step {step:3d}  reward {m['reward']:.3f}  accuracy {m['accuracy']:.3f}  "
              f"entropy {m.get('entropy', float('nan')):.3f}  dropped {m['dropped_group_fraction']:.2f}  "
              f"{m['step_seconds']:.0f}s  calls {shares}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "router"
        summary = run_llm(params.path(params.paths.data), out, env, cfg, log_mlflow=False, on_metrics=on_step,
                          setup=setup)
        if args.probe_lambdas:
            router = load_llm_router(out, setup.full_pool)
            probes["after"] = probe(setup.env, router.policy, router.pool, queries, args.probe_lambdas,
                                    cfg.response_chars)
    k = max(1, len(steps) // 4)
    median_seconds = sorted(m["step_seconds"] for m in steps)[len(steps) // 2]
    first = sum(m["reward"] for m in steps[:k]) / k
    last = sum(m["reward"] for m in steps[-k:]) / k
    print(json.dumps({
        "pool_models": cfg.pool_models, "lambda_range": cfg.lambda_range, "max_turns": env.limits.max_turns,
        "steps": cfg.steps, "episodes_per_step": cfg.prompts_per_step * cfg.dapo.group_size, "lr": cfg.lr,
        "temperature": cfg.temperature, "median_step_seconds": median_seconds,
        f"sampled_reward_first_{k}_steps": round(first, 4), f"sampled_reward_last_{k}_steps": round(last, 4),
        "greedy_before": summary["greedy_before"], "greedy_after": summary["greedy_after"],
        "probe_lambda": summary["probe_lambda"], "probes": probes}, indent=2))


if __name__ == "__main__":
    main()
