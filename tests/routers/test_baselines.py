"""Baseline routers on the real replay world: what each decides, and the sweeps they trace."""

from __future__ import annotations

import pytest

from xrouter.backends.replay import ReplayBackend
from xrouter.env.episode import RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.reward import RewardParams
from xrouter.env.queries import replay_queries
from xrouter.env.types import CallModels, Observation, Query, SelectResponse, CallRecord
from xrouter.routers.answers import agree, extract_answer
from xrouter.routers.base import RoutingError
from xrouter.routers.cascade import CascadeRouter, pick_for_lambda
from xrouter.routers.curves import summarize
from xrouter.routers.factory import build_router
from xrouter.routers.simple import RandomRouter


def _obs(*texts: str) -> Observation:
    responses = tuple(CallRecord(1, f"call_m{i}", f"m{i}", t, 10, 10, 0.001, 0.0) for i, t in enumerate(texts))
    return Observation(Query("p", "q"), 2, responses, 0.002, 2.0, 2, 4)


def test_answer_extraction_and_agreement() -> None:
    assert extract_answer('```json\n{"reasoning": "4*2", "answer": "8"}\n```') == "8"
    assert extract_answer("so \\boxed{\\frac{1}{2}}.") == "\\frac{1}{2}"
    assert extract_answer("It costs $1,000.00 in total") == "1000"
    assert extract_answer("no digits here") is None
    assert agree("18", "18") and not agree("18", "17") and not agree(None, None)


def test_cascade_accepts_agreement_and_escalates_otherwise() -> None:
    router = CascadeRouter(("a", "b"), "c")
    first = router.act(Observation(Query("p", "q"), 1, (), 0.0, 2.0, 3, 6))
    assert isinstance(first, CallModels) and [c.model for c in first.calls] == ["a", "b"]
    assert router.act(_obs('"answer": "42"', "The answer is 42")) == SelectResponse("call_m0")
    esc = router.act(_obs('"answer": "42"', '"answer": "41"'))
    assert isinstance(esc, CallModels) and esc.calls[0].model == "c"
    assert isinstance(router.act(_obs("I cannot tell", "I cannot tell")), CallModels)  # unreadable: escalate
    with pytest.raises(RoutingError):
        CascadeRouter(("a", "b"), "b")


def test_random_router_is_reproducible_and_respects_weights() -> None:
    obs = [Observation(Query(f"p{i}", "q"), 1, (), 0.0, 2.0, 3, 6) for i in range(400)]
    r = RandomRouter(["weak", "strong"], [0.75, 0.25], seed=3)
    picks = [r.choose(o) for o in obs]
    assert picks == [RandomRouter(["weak", "strong"], [0.75, 0.25], seed=3).choose(o) for o in obs]
    assert 0.18 < picks.count("strong") / len(picks) < 0.32
    assert {RandomRouter(["weak", "strong"], [1, 0]).choose(o) for o in obs} == {"weak"}
    with pytest.raises(RoutingError, match="weights"):
        RandomRouter(["a"], [-1])


@pytest.mark.slow
def test_fitted_baselines_on_the_test_split(world, zeroeval_pool, training, split_ids) -> None:
    queries = replay_queries(world, split_ids["test"])
    env = RoutingEnv(zeroeval_pool, ReplayBackend(world), ReplayJudge(world))
    reward = RewardParams()
    summaries = {}
    for name in ("oracle", "cascade", "knn", "mf", "single:gpt-4o-mini-2024-07-18", "single:o1-mini-2024-09-12"):
        router = build_router(name, pool=zeroeval_pool, eval_world=world, train=training, reward=reward,
                              lam=2.0)
        summaries[name] = summarize(env.run_all(router, queries, 2.0), queries)
    # the oracle bounds everything, and is cheaper than any strong model
    assert all(summaries["oracle"]["accuracy"] >= s["accuracy"] for s in summaries.values())
    assert summaries["oracle"]["cost_per_1k"] < summaries["single:o1-mini-2024-09-12"]["cost_per_1k"]
    # every fitted router beats the cheap model's accuracy and costs less than always calling o1-mini
    for name in ("cascade", "knn", "mf"):
        assert summaries[name]["accuracy"] > summaries["single:gpt-4o-mini-2024-07-18"]["accuracy"], name
    assert summaries["cascade"]["calls_per_query"] > 2.0  # two cheap calls, sometimes a third
    assert set(summaries["knn"]["by_task"]) == {"crux", "gsm", "math-l5"}


@pytest.mark.slow
def test_lambda_moves_knn_and_cascade_along_the_frontier(world, zeroeval_pool, training, split_ids) -> None:
    queries = replay_queries(world, split_ids["val"])
    env = RoutingEnv(zeroeval_pool, ReplayBackend(world), ReplayJudge(world))
    reward = RewardParams()
    router = build_router("knn", pool=zeroeval_pool, eval_world=world, train=training, reward=reward, lam=2.0)
    cheap = summarize(env.run_all(router, queries, 1000.0), queries)
    rich = summarize(env.run_all(router, queries, 0.0), queries)
    assert cheap["cost_per_1k"] < rich["cost_per_1k"] / 3 and cheap["accuracy"] < rich["accuracy"]
    configs = training.cascades
    assert [c.train_cost for c in configs] == sorted(c.train_cost for c in configs)
    assert pick_for_lambda(configs, 0.0, reward).train_accuracy == max(c.train_accuracy for c in configs)
    # a higher price of cost picks a cheaper configuration (until λ·C reaches cost_max: the original's cap
    # makes every expensive episode equally penalized, so the reward is not monotone in λ beyond it)
    assert pick_for_lambda(configs, 200.0, reward).train_cost < pick_for_lambda(configs, 0.0, reward).train_cost
