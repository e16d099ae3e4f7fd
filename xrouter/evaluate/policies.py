"""Build the policies an evaluation runs, and the backend and pool they run through."""

from __future__ import annotations

from pathlib import Path

from xrouter.backends.base import Backend
from xrouter.data.world import ReplayWorld
from xrouter.env.reward import RewardParams
from xrouter.evaluate.config import EvaluateParams
from xrouter.evaluate.items import EvalItem
from xrouter.pool import ModelPool, ModelSpec, load_pool
from xrouter.routers.base import Router, RoutingError
from xrouter.routers.factory import build_router, load_trained_router
from xrouter.routers.training import TrainingData

TRAINED = "router"


def _free_pool(name: str, models: list[str], strengths: str) -> ModelPool:
    return ModelPool(name, tuple(ModelSpec(m, m, "specialized", 0.0, 0.0, 1.0, None, strengths) for m in models))


def backend_and_pool(p: EvaluateParams, items: list[EvalItem], world: ReplayWorld | None,
                     replay_pool: str) -> tuple[Backend, ModelPool]:
    if p.backend == "replay":
        from xrouter.backends.replay import ReplayBackend

        assert world is not None
        return ReplayBackend(world), load_pool(replay_pool, world.prices)
    if p.backend == "litellm":
        from xrouter.backends.litellm_backend import LiteLLMBackend

        pool = load_pool("live")
        return LiteLLMBackend.for_pool(pool), pool
    if p.backend == "local":
        from xrouter.backends.local import LocalBackend

        backend = LocalBackend(max_new_tokens=p.local_max_new_tokens)
        return backend, _free_pool("local", [backend.model_name], "a small local model (SmolLM2-135M)")
    from xrouter.backends.reference import MODELS, ReferenceBackend

    bench = [i.item for i in items if i.item is not None]
    return ReferenceBackend(bench), _free_pool("reference", list(MODELS), "reference answers (graders' self-check)")


def single_names(p: EvaluateParams, pool: ModelPool) -> list[str]:
    if p.singles == "none":
        return []
    models = pool.ids if p.singles == "all" else p.singles
    for m in models:
        pool.get(m)  # names the pool's models when one is unknown
    return [f"single:{m}" for m in models]


def build_policies(names: list[str], *, pool: ModelPool, world: ReplayWorld | None, train: TrainingData | None,
                   reward: RewardParams, lam: float, router_dir: Path, seed: int = 0) -> tuple[dict[str, Router], list[str]]:
    """({name: router}, notes): the trained router is skipped, with a note, while `router_dir` holds none."""
    policies: dict[str, Router] = {}
    notes: list[str] = []
    for name in names:
        if name in policies:
            continue
        if name == TRAINED:
            if not (router_dir / "router.json").is_file():
                notes.append(f"no trained router in {router_dir}: evaluated the baselines only")
                continue
            policies[name] = load_trained_router(router_dir, pool)
            continue
        if name in ("cascade", "knn", "mf") and train is not None and train.pool.ids != pool.ids:
            raise RoutingError(f"policy '{name}' is fit on pool '{train.pool.name}' and cannot route pool '{pool.name}'")
        if name == "oracle" and world is None:
            raise RoutingError("policy 'oracle' needs recorded outcomes: it exists only on replay items")
        policies[name] = build_router(name, pool=pool, eval_world=world, train=train, reward=reward, lam=lam,
                                      seed=seed)  # type: ignore[arg-type]
    return policies, notes
