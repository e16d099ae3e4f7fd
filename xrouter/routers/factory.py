"""Build a router by name: `oracle`, `random`, `cascade`, `knn`, `mf`, `single:<model>` (or a trained router's
path, once xrouter.rl provides one). Fitted baselines learn from a *training* world's train split — never from
the prompts they are evaluated on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from xrouter.data.world import ReplayWorld
from xrouter.embeddings import embed
from xrouter.env.reward import RewardParams
from xrouter.pool import ModelPool
from xrouter.routers.answers import extract_answer
from xrouter.routers.base import Router, RoutingError, SingleModelRouter
from xrouter.routers.cascade import CascadeConfig, CascadeRouter, fit_cascades, pick_for_lambda
from xrouter.routers.knn import KnnRouter
from xrouter.routers.matrix import OutcomeMatrix
from xrouter.routers.mf import MFFit, MFRouter, fit_mf
from xrouter.routers.simple import OracleRouter, RandomRouter

BASELINES = ("oracle", "random", "cascade", "knn", "mf")


@dataclass
class TrainingData:
    """The train split of a replay world, with what fitted baselines need (lazily computed, cached)."""

    world: ReplayWorld
    prompt_ids: list[str]
    pool: ModelPool
    seed: int = 0

    @cached_property
    def matrix(self) -> OutcomeMatrix:
        return OutcomeMatrix.from_world(self.world, self.prompt_ids, self.pool.ids)

    @cached_property
    def embeddings(self) -> np.ndarray:
        return embed(self.matrix.texts)

    @cached_property
    def answers(self) -> list[list[str | None]]:
        return [[extract_answer(self.world.response(p, m) or "") for m in self.pool.ids] for p in self.prompt_ids]

    @cached_property
    def cascades(self) -> list[CascadeConfig]:
        return fit_cascades(self.matrix, self.answers)

    @cached_property
    def mf(self) -> MFFit:
        return fit_mf(self.matrix, self.embeddings, seed=self.seed)


def build_router(name: str, *, pool: ModelPool, eval_world: ReplayWorld, train: TrainingData | None,
                 reward: RewardParams, lam: float | None = None, seed: int = 0) -> Router:
    lam = reward.lam if lam is None else lam
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
    path = Path(name)
    if path.exists():
        return load_trained_router(path, pool)
    raise RoutingError(f"unknown router '{name}'; use one of {list(BASELINES)}, single:<model>, or a trained router path")


def operating_lambda(path: Path) -> float | None:
    """The λ a trained router folder ships at (`router.json: operating_lambda`, chosen on val), or None when the
    folder holds no router or its card names none (LLM routers, routers trained before it existed)."""
    card = Path(path) / "router.json"
    value = json.loads(card.read_text()).get("operating_lambda") if card.is_file() else None
    return None if value is None else float(value)


def load_trained_router(path: Path, pool: ModelPool) -> Router:
    """A trained router folder (`router.json` says its kind): the embedded policy or the LLM router."""
    card = Path(path) / "router.json"
    if not card.is_file():
        raise RoutingError(f"{path}: not a trained router folder (no router.json); train one with `dvc repro train`")
    if json.loads(card.read_text()).get("kind") == "llm":
        from xrouter.rl.llm.router import load_llm_router  # noqa: PLC0415 (transformers; only when asked)

        return load_llm_router(path, pool)
    from xrouter.rl.embedded.router import load_router  # noqa: PLC0415 (torch policy; only when asked)

    return load_router(path, pool)
