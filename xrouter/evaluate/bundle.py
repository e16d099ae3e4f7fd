"""Evaluate one router on every replay prompt of a bundle (`xrouter evaluate`), through the harness.

This is how outside test sets are run: it needs no prepared splits of the evaluated bundle. Routers that are
fit (cascade, kNN, MF) learn from the train split of a *training* world — the project's prepared data — and
are then applied unchanged to the evaluated bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from xrouter.backends.replay import ReplayBackend
from xrouter.data.config import PrepareParams
from xrouter.data.splits import POOL_SOURCE
from xrouter.data.world import ReplayWorld
from xrouter.env.episode import EpisodeLimits, RoutingEnv
from xrouter.env.reward import RewardParams
from xrouter.evaluate.harness import RunOptions, run_policy
from xrouter.evaluate.items import ItemJudge, replay_items
from xrouter.evaluate.summary import summarize_policy
from xrouter.pool import load_pool
from xrouter.routers.card import is_router_dir, read_card, resolve_lambda
from xrouter.routers.factory import build_router, check_router_name
from xrouter.routers.training import FITTED, training_data


@dataclass(frozen=True)
class EvalRequest:
    router: str
    bundle: Path
    pool: str = "zeroeval"
    lam: float | str = "router"  # a number, or "router": the trained router's operating λ (its card, or `lambda_card`'s)
    train_data: Path | None = None  # the prepared data folder whose train split fits baselines
    lambda_card: Path | None = None  # a trained router folder whose card gives λ when the router itself has none
    seed: int = 0


def evaluate_bundle(req: EvalRequest, reward: RewardParams, limits: EpisodeLimits, prepare: PrepareParams,
                    progress: bool = False) -> tuple[dict, list[dict]]:
    """(summary JSON, one record per prompt). `reward`, `limits` and `prepare` are the project's (params.yaml
    `env` and `prepare`), so `xrouter evaluate` and `dvc repro` measure the same thing."""
    if req.pool not in POOL_SOURCE:
        raise ValueError(f"--pool must be one of {sorted(POOL_SOURCE)} for replay evaluation, got '{req.pool}'")
    check_router_name(req.router)
    card_dir = Path(req.router) if is_router_dir(Path(req.router)) else req.lambda_card
    card = read_card(card_dir) if card_dir is not None and is_router_dir(card_dir) else None
    lam, lam_source = resolve_lambda(req.lam, card)
    world = ReplayWorld.from_bundle(req.bundle, prepare)
    pool = load_pool(req.pool, world.prices)
    missing = sorted(set(pool.ids) - set(world.models_covering(source=POOL_SOURCE[req.pool])))
    if missing:
        raise ValueError(f"{req.bundle}: pool '{req.pool}' models without an outcome on every prompt: {missing}")
    train = None
    if req.router in FITTED:
        if req.train_data is None:
            raise ValueError(f"router '{req.router}' is fit on a train split: pass --train-data (a prepared data dir)")
        train = training_data(req.train_data, req.pool, req.seed)
    router = build_router(req.router, pool=pool, eval_world=world, train=train, reward=reward, lam=lam,
                          seed=req.seed)
    items = replay_items(world, source=POOL_SOURCE[req.pool])
    env = RoutingEnv(pool, ReplayBackend(world), ItemJudge(items, world), limits, reward)
    records = run_policy(env, router, items, router.name, RunOptions(lam, concurrency=1, progress=progress))
    s = summarize_policy(records)
    summary = {
        "router": router.name,
        "bundle": str(req.bundle),
        "pool": req.pool,
        "lambda": lam,
        "lambda_source": lam_source,
        "reward": reward.name,
        **s["overall"],
        "by_benchmark": s["by_benchmark"],
        "by_family": s["by_family"],
        "final_model_share": s["final_model_share"],
        "sees_labels": bool(getattr(router, "sees_labels", False)),
    }
    return summary, [r.as_dict() for r in records]


def write_outputs(summary: dict, records: list[dict], out: Path, records_path: Path | None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    if records_path is not None:
        records_path.parent.mkdir(parents=True, exist_ok=True)
        with records_path.open("w") as fh:
            for rec in records:
                fh.write(json.dumps(rec) + "\n")
