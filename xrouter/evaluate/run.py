"""One evaluation, as the `evaluate` stage runs it: items, backend (behind the response cache), policies, records,
summaries and the best single model per scope."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from xrouter.data.prepare import read_tables
from xrouter.data.schema import BenchmarkItem
from xrouter.data.world import ReplayWorld
from xrouter.env.config import EnvParams
from xrouter.env.episode import RoutingEnv
from xrouter.data.splits import split_ids
from xrouter.routers.training import FITTED, training_data
from xrouter.evaluate.cache import CachingBackend, ResponseCache
from xrouter.evaluate.config import EvaluateParams
from xrouter.evaluate.harness import ItemRecord, RunOptions, run_policy
from xrouter.evaluate.items import EvalItem, ItemJudge, benchmark_items, replay_items
from xrouter.evaluate.policies import backend_and_pool, build_policies, single_names
from xrouter.evaluate.summary import best_singles, intervals_vs_best, summarize_policy
from xrouter.routers.card import is_router_dir, read_card, resolve_lambda


@dataclass
class Evaluation:
    doc: dict  # what metrics/eval.json holds
    records: dict[str, list[ItemRecord]]


def load_items(p: EvaluateParams, data_dir: Path, pool_name: str) -> tuple[list[EvalItem], ReplayWorld | None]:
    if p.items == "replay":
        world = ReplayWorld.from_data_dir(data_dir)
        return replay_items(world, split_ids(data_dir, p.split, pool_name)), world
    rows = read_tables(data_dir, ("benchmarks",))["benchmarks"].to_dict("records")
    bench = [BenchmarkItem.from_row(r) for r in rows]
    return benchmark_items(bench, p.benchmarks, p.limit_per_benchmark, p.seed), None


def evaluate(p: EvaluateParams, env_params: EnvParams, data_dir: Path, router_dir: Path, cache_root: Path | None,
             progress: bool = True) -> Evaluation:
    started = time.perf_counter()
    items, world = load_items(p, data_dir, env_params.pool)
    if not items:
        raise ValueError(f"evaluate: no items selected (items={p.items}, split={p.split}, benchmarks={p.benchmarks})")
    backend, pool = backend_and_pool(p, items, world, env_params.pool)
    # replay answers are recordings already: the cache is for backends that generate (live, local)
    use_cache = cache_root is not None and backend.name != "replay"
    cached = CachingBackend(backend, ResponseCache(cache_root)) if use_cache else None
    env = RoutingEnv(pool, cached or backend, ItemJudge(items, world), env_params.limits, env_params.reward)
    card = read_card(router_dir) if is_router_dir(router_dir) else None
    lam, lam_source = resolve_lambda(p.lam, card)
    if lam_source == "requested":
        lam_source = "evaluate.lam"
    train = training_data(data_dir, env_params.pool, p.seed) if any(n in FITTED for n in p.policies) else None
    policies, notes = build_policies(p.policies + single_names(p, pool), pool=pool, world=world, train=train,
                                     reward=env_params.reward, lam=lam, router_dir=router_dir, seed=p.seed)
    opts = RunOptions(lam, p.concurrency, p.retries, p.backoff_s, progress)
    records = {name: run_policy(env, router, items, name, opts) for name, router in policies.items()}
    summaries = {name: summarize_policy(recs) for name, recs in records.items()}
    best = best_singles(summaries)
    doc = {
        "items": f"replay:{p.split}" if p.items == "replay" else "benchmarks",
        "backend": p.backend,
        "pool": pool.name,
        "lambda": lam,
        "lambda_source": lam_source,
        "reward": env_params.reward.name,
        "n_items": len(items),
        "notes": notes,
        "policies": summaries,
        "best_single": best,
        "intervals_vs_best_single": intervals_vs_best(records, best.get("overall"), p.seed),
        "cache": None if cached is None else {"hits": cached.hits, "misses": cached.misses, "dir": str(cache_root)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    return Evaluation(doc, records)
