"""No peeking, by construction: flipping every recorded label of the test split changes no decision of any
non-oracle router (and does change the oracle's, which is labelled as the limit because it reads labels).
On the tiny literal world for the routers that fit without embeddings; on the real replay world (slow) for all."""

from __future__ import annotations

import pytest

from support.tiny_world import split_ids as tiny_split_ids
from xrouter.backends.replay import ReplayBackend
from xrouter.data.world import ReplayWorld
from xrouter.env.episode import RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.reward import RewardParams
from xrouter.env.queries import replay_queries
from xrouter.routers.factory import build_router
from xrouter.routers.training import TrainingData

ROUTERS = ["random", "cascade", "knn", "mf", "single:gpt-4o-mini-2024-07-18"]


def _flipped(world: ReplayWorld, prompt_ids: list[str]) -> ReplayWorld:
    o = world.outcomes.copy()
    mask = o["prompt_id"].isin(set(prompt_ids))
    o.loc[mask, "correct"] = 1 - o.loc[mask, "correct"]
    o.loc[mask, "score"] = 1.0 - o.loc[mask, "score"]
    return ReplayWorld(world.prompts, o, world.responses, world.prices, world.load_items)


def _decisions(world, pool, training, name, queries, lam):
    env = RoutingEnv(pool, ReplayBackend(world), ReplayJudge(world))
    router = build_router(name, pool=pool, eval_world=world, train=training, reward=RewardParams(), lam=lam)
    results = env.run_all(router, queries, lam)
    return [(r.models_called, r.final_model) for r in results], [r.score for r in results]


@pytest.mark.parametrize("lam", [2.0, 200.0])
def test_flipping_test_labels_changes_no_decision_in_the_tiny_world(tiny_world, tiny_pool, lam) -> None:
    test = tiny_split_ids("test") + tiny_split_ids("val")  # six prompts; the cascade fits on the other three
    training = TrainingData(tiny_world, tiny_split_ids("train"), tiny_pool)
    flipped = _flipped(tiny_world, test)
    queries = replay_queries(tiny_world, test)
    for name in ["random", "cascade", "single:gpt-4o-mini-2024-07-18"]:
        before, scores_before = _decisions(tiny_world, tiny_pool, training, name, queries, lam)
        after, scores_after = _decisions(flipped, tiny_pool, training, name, queries, lam)
        assert before == after, name
        assert scores_before != scores_after  # the flip is real: the same decisions now score differently
    oracle_before, _ = _decisions(tiny_world, tiny_pool, training, "oracle", queries, lam)
    oracle_after, _ = _decisions(flipped, tiny_pool, training, "oracle", queries, lam)
    assert oracle_before != oracle_after


@pytest.mark.slow
@pytest.mark.parametrize("lam", [2.0, 200.0])
def test_flipping_test_labels_changes_no_decision(world, zeroeval_pool, training, split_ids, lam) -> None:
    flipped = _flipped(world, split_ids["test"])
    queries = replay_queries(world, split_ids["test"])
    for name in ROUTERS:
        before, scores_before = _decisions(world, zeroeval_pool, training, name, queries, lam)
        after, scores_after = _decisions(flipped, zeroeval_pool, training, name, queries, lam)
        assert before == after, name
        assert scores_before != scores_after  # the flip is real: the same decisions now score differently
    oracle_before, _ = _decisions(world, zeroeval_pool, training, "oracle", queries, lam)
    oracle_after, _ = _decisions(flipped, zeroeval_pool, training, "oracle", queries, lam)
    assert oracle_before != oracle_after
