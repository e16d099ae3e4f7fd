"""Baseline routers: what each decides on hand-made observations and on the tiny literal world
(tests/support/tiny_world.py), and — slow, on the real replay world — the sweeps the fitted ones trace."""

from __future__ import annotations

import pytest

from xrouter.backends.replay import ReplayBackend
from xrouter.env.episode import RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.reward import RewardParams
from xrouter.env.queries import replay_queries
from xrouter.env.types import CallModels, Observation, Query, SelectResponse, CallRecord
from support.tiny_world import GEMMA, GPT4O, LLAMA, MINI, MODELS, O1, PROMPTS
from xrouter.routers.answers import agree, extract_answer
from xrouter.routers.base import RoutingError, SingleModelRouter
from xrouter.routers.cascade import CascadeRouter, fit_cascades, pick_for_lambda
from xrouter.routers.matrix import OutcomeMatrix
from xrouter.routers.curves import summarize
from xrouter.routers.factory import build_router
from xrouter.routers.simple import OracleRouter, RandomRouter

TINY_IDS = [p[0] for p in PROMPTS]  # gsm #0 #462 #623, math-l5 679 132 680, crux #164 #618 #204


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


def _tiny_run(tiny_world, tiny_pool, router):
    env = RoutingEnv(tiny_pool, ReplayBackend(tiny_world), ReplayJudge(tiny_world))
    return env.run_all(router, replay_queries(tiny_world, TINY_IDS), 2.0)


def test_oracle_calls_the_cheapest_model_that_was_right(tiny_world, tiny_pool) -> None:
    results = _tiny_run(tiny_world, tiny_pool, OracleRouter(tiny_world, tiny_pool))
    # by hand from the tiny world's grades and costs: gemma where it was right (#462); else mini; on math-l5 679
    # only gpt-4o ($0.00123) and o1-mini ($0.00229) were right; on math-l5 132 Llama ($0.00149) beats gpt-4o
    # ($0.00193) and o1-mini
    assert [r.final_model for r in results] == [MINI, GEMMA, MINI, GPT4O, LLAMA, MINI, MINI, MINI, MINI]
    assert all(r.score == 1.0 for r in results) and all(r.models_called == [r.final_model] for r in results)


def test_cascade_escalates_on_disagreement_and_trusts_agreement_even_when_wrong(tiny_world, tiny_pool) -> None:
    results = _tiny_run(tiny_world, tiny_pool, CascadeRouter((GEMMA, MINI), GPT4O))
    # gemma and mini agree on gsm #462 ("71", right), math-l5 679 ("2", wrong) and 132 ("0", wrong): gemma's answer
    # is returned after two calls; everywhere else they disagree and gpt-4o answers (wrong only on crux #204)
    agreed = {TINY_IDS[1], TINY_IDS[3], TINY_IDS[4]}
    for r in results:
        if r.prompt_id in agreed:
            assert r.models_called == [GEMMA, MINI] and r.final_model == GEMMA, r.prompt_id
        else:
            assert r.models_called == [GEMMA, MINI, GPT4O] and r.final_model == GPT4O, r.prompt_id
    assert [r.score for r in results] == [1, 1, 1, 0, 0, 1, 1, 1, 0]
    s = summarize(results, replay_queries(tiny_world, TINY_IDS))
    assert s["accuracy"] == pytest.approx(6 / 9) and s["calls_per_query"] == pytest.approx(24 / 9)


def test_cascade_fit_keeps_the_frontier_and_lambda_picks_along_it(tiny_world) -> None:
    matrix = OutcomeMatrix.from_world(tiny_world, TINY_IDS, list(MODELS))
    answers = [[extract_answer(tiny_world.response(p, m) or "") for m in MODELS] for p in TINY_IDS]
    configs = fit_cascades(matrix, answers)
    assert [c.train_cost for c in configs] == sorted(c.train_cost for c in configs)
    assert [c.train_accuracy for c in configs] == sorted(c.train_accuracy for c in configs)
    # the cheapest configuration: gemma + mini, escalating to Llama. They agree on 3 prompts (gemma right on 1);
    # Llama answers the other 6 and is right on 4 of them: 5/9
    first = configs[0]
    assert (first.cheap, first.escalate_to) == ((GEMMA, MINI), LLAMA) and first.train_accuracy == pytest.approx(5 / 9)
    assert configs[-1].train_accuracy == 1.0 and O1 in (*configs[-1].cheap, configs[-1].escalate_to)
    reward = RewardParams()
    assert pick_for_lambda(configs, 0.0, reward) == configs[-1]  # λ = 0: the most accurate
    assert pick_for_lambda(configs, 200.0, reward).train_cost < pick_for_lambda(configs, 0.0, reward).train_cost


def test_a_single_model_router_scores_its_recorded_grades(tiny_world, tiny_pool) -> None:
    results = _tiny_run(tiny_world, tiny_pool, SingleModelRouter(LLAMA))
    assert [r.score for r in results] == [tiny_world.outcome(p, LLAMA).score for p in TINY_IDS]
    assert sum(r.score for r in results) == 6


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
