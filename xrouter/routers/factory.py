"""Build a router by name: `oracle`, `random`, `cascade`, `knn`, `mf`, `single:<model>`, or a trained router's
folder. Fitted baselines learn from a *training* world's train split (`routers.training`) — never from the
prompts they are evaluated on."""

from __future__ import annotations

from pathlib import Path

from xrouter.data.world import ReplayWorld
from xrouter.env.reward import RewardParams, check_lambda
from xrouter.pool import ModelPool
from xrouter.routers.base import Router, RoutingError, SingleModelRouter
from xrouter.routers.card import read_card
from xrouter.routers.cascade import CascadeRouter, pick_for_lambda
from xrouter.routers.knn import KnnRouter
from xrouter.routers.mf import MFRouter
from xrouter.routers.simple import OracleRouter, RandomRouter
from xrouter.routers.training import TrainingData

BASELINES = ("oracle", "random", "cascade", "knn", "mf")


def check_router_name(name: str) -> None:
    """A RoutingError naming the choices unless `build_router` can build `name`: checked before any data loads."""
    if name in BASELINES or name.startswith("single:") or Path(name).exists():
        return
    raise RoutingError(f"unknown router '{name}'; use one of {list(BASELINES)}, single:<model>, or a trained router path")


def build_router(name: str, *, pool: ModelPool, eval_world: ReplayWorld, train: TrainingData | None,
                 reward: RewardParams, lam: float, seed: int = 0) -> Router:
    """`lam` picks the cascade configuration (the others read λ per request, from the observation)."""
    lam = check_lambda(lam)
    if name.startswith("single:"):
        model = name.split(":", 1)[1]
        pool.get(model)  # raises naming the pool's models
        return SingleModelRouter(model)
    if name == "oracle":
        return OracleRouter(eval_world, pool)
    if name == "random":
        return RandomRouter(pool.ids, seed=seed)
    if name in ("cascade", "knn", "mf"):
        if train is None:
            raise RoutingError(f"router '{name}' is fit on a train split: give training data")
        if name == "cascade":
            c = pick_for_lambda(train.cascades, lam, reward)
            return CascadeRouter(c.cheap, c.escalate_to)
        if name == "knn":
            return KnnRouter(train.matrix, train.embeddings, reward=reward)
        return MFRouter(train.mf)
    check_router_name(name)
    return load_trained_router(Path(name), pool)


def load_trained_router(path: Path, pool: ModelPool) -> Router:
    """A trained router folder (its card says its kind): the embedded policy or the LLM router."""
    if read_card(path).kind == "llm":
        from xrouter.rl.llm.router import load_llm_router  # noqa: PLC0415 (transformers; only when asked)

        return load_llm_router(path, pool)
    from xrouter.rl.embedded.router import load_router  # noqa: PLC0415 (torch policy; only when asked)

    return load_router(path, pool)
