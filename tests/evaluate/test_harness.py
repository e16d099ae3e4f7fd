"""The harness: replay episodes on the tiny literal world (tests/support/tiny_world.py), reference answers graded
by the real graders (the tiny world's items; slow: a sample of all 17 real benchmarks), concurrency, retries and
failures."""

from __future__ import annotations

import pytest

from support.tiny_world import LLAMA, MINI, split_ids
from support.tiny_world import benchmark_items as tiny_benchmark_items
from xrouter.backends.reference import ReferenceBackend
from xrouter.backends.replay import ReplayBackend
from xrouter.env.episode import EpisodeError, RoutingEnv
from xrouter.env.types import Answer
from xrouter.evaluate.harness import RunOptions, run_item, run_policy
from xrouter.evaluate.items import ItemJudge, benchmark_items, replay_items
from xrouter.evaluate.policies import _free_pool
from xrouter.evaluate.summary import summarize_policy
from xrouter.routers.base import SingleModelRouter, call

QUIET = RunOptions(2.0, concurrency=1, retries=0, progress=False)


@pytest.fixture(scope="module")
def test_items(tiny_world):
    return replay_items(tiny_world, split_ids("test"))


@pytest.fixture(scope="module")
def all_items(tiny_world):
    """All nine ZeroEval prompts of the tiny world."""
    return replay_items(tiny_world, source="zeroeval")


@pytest.fixture(scope="module")
def replay_env(tiny_world, tiny_pool, all_items):
    return RoutingEnv(tiny_pool, ReplayBackend(tiny_world), ItemJudge(all_items, tiny_world))


def test_a_single_model_scores_what_it_really_scored(tiny_world, replay_env, test_items) -> None:
    recs = run_policy(replay_env, SingleModelRouter(MINI), test_items, None, opts=QUIET)
    o = tiny_world.outcomes
    rows = o[(o["model"] == MINI) & o["prompt_id"].isin(split_ids("test"))].set_index("prompt_id")
    assert [r.item_id for r in recs] == [i.id for i in test_items]
    assert sum(r.score for r in recs) == rows["correct"].sum() == 2  # right on GSM8K and CruxEval, wrong on MATH
    assert [r.score for r in recs] == [1.0, 0.0, 1.0]  # gsm #0, math-l5 679, crux #164 (the prompts' order)
    assert sum(r.cost_usd for r in recs) == pytest.approx(rows["cost_usd"].sum())
    # by hand: (179·0.15 + 101·0.60 + 150·0.15 + 83·0.60 + 90·0.15 + 51·0.60) / 1e6
    assert sum(r.cost_usd for r in recs) == pytest.approx((419 * 0.15 + 235 * 0.60) / 1e6)
    assert sum(r.output_tokens for r in recs) == rows["output_tokens"].sum() == 101 + 83 + 51
    s = summarize_policy(recs)
    assert s["overall"]["n"] == len(split_ids("test")) == 3 and s["overall"]["calls_per_query"] == 1.0
    assert set(s["by_benchmark"]) == {"gsm8k", "math_level5", "cruxeval_o"}
    assert set(s["by_family"]) == {"math", "code_reasoning"}
    assert s["by_family"]["math"]["n"] == s["by_benchmark"]["gsm8k"]["n"] + s["by_benchmark"]["math_level5"]["n"]
    assert s["by_family"]["math"]["accuracy"] == 0.5 and s["by_family"]["code_reasoning"]["accuracy"] == 1.0


def test_concurrency_changes_nothing_but_time(replay_env, all_items) -> None:
    router = SingleModelRouter(LLAMA)
    one = run_policy(replay_env, router, all_items, None, opts=QUIET)
    four = run_policy(replay_env, router, all_items, None, opts=RunOptions(2.0, concurrency=4, retries=0, progress=False))
    strip = [(r.item_id, r.score, r.cost_usd, r.models_called) for r in one]
    assert strip == [(r.item_id, r.score, r.cost_usd, r.models_called) for r in four]
    assert sum(r.score for r in one) == 6  # Llama 405B is right on 6 of the 9


def test_reference_answers_through_the_harness_pass_and_fail_the_tiny_worlds_items() -> None:
    items = benchmark_items(tiny_benchmark_items())  # GSM8K (math-verify) and CruxEval-O, three each
    pool = _free_pool("reference", ["gold", "wrong"], "")
    env = RoutingEnv(pool, ReferenceBackend([i.item for i in items]), ItemJudge(items))
    opts = RunOptions(2.0, concurrency=2, retries=0, progress=False)
    gold = run_policy(env, SingleModelRouter("gold"), items, None, opts=opts)
    wrong = run_policy(env, SingleModelRouter("wrong"), items, None, opts=opts)
    assert [r.score for r in gold] == [1.0] * 6 and [r.score for r in wrong] == [0.0] * 6
    s = summarize_policy(gold)
    assert set(s["by_benchmark"]) == {"gsm8k", "cruxeval_o"} and set(s["by_family"]) == {"math", "code_reasoning"}
    assert s["overall"]["cost_per_1k"] == 0.0 and all(r.models_called == ["gold"] for r in gold)


@pytest.fixture(scope="module")
def sampled(bench_items):
    return benchmark_items(bench_items, limit_per_benchmark=8, seed=3)


@pytest.mark.slow
def test_reference_answers_through_the_harness_pass_and_fail_every_benchmark(sampled) -> None:
    pool = _free_pool("reference", ["gold", "wrong"], "")
    env = RoutingEnv(pool, ReferenceBackend([i.item for i in sampled]), ItemJudge(sampled))
    opts = RunOptions(2.0, concurrency=2, retries=0, progress=False)
    gold = summarize_policy(run_policy(env, SingleModelRouter("gold"), sampled, None, opts=opts))
    wrong = summarize_policy(run_policy(env, SingleModelRouter("wrong"), sampled, None, opts=opts))
    assert len(gold["by_benchmark"]) == 17
    assert gold["overall"]["accuracy"] >= 0.99 and wrong["overall"]["accuracy"] <= 0.01
    assert all(s["accuracy"] >= 7 / 8 for s in gold["by_benchmark"].values())
    assert set(gold["by_family"]) == {"math", "code", "science", "reasoning", "logic", "code_reasoning",
                                      "instruction_following"}


class FlakyRouter:
    """Raises on its first `fails` episodes, then calls one model: a router with a transient fault."""

    name = "flaky"

    def __init__(self, fails: int) -> None:
        self.fails = fails

    def act(self, obs):
        if self.fails > 0:
            self.fails -= 1
            raise ConnectionError("router host went away")
        return call(MINI) if not obs.responses else Answer(obs.responses[0].text)


def test_a_failing_episode_is_retried_with_backoff_then_recorded(replay_env, test_items, all_items) -> None:
    sleeps: list[float] = []
    opts = RunOptions(2.0, concurrency=1, retries=2, backoff_s=0.5, progress=False)
    ok = run_item(replay_env, FlakyRouter(fails=2), test_items[0], "flaky", opts, sleep=sleeps.append)
    assert ok.error is None and ok.attempts == 3 and ok.calls == 1 and sleeps == [0.5, 1.0]
    bad = run_item(replay_env, FlakyRouter(fails=5), test_items[0], "flaky", opts, sleep=sleeps.append)
    assert bad.attempts == 3 and bad.score == 0 and "ConnectionError: router host went away" in bad.error
    recs = run_policy(replay_env, FlakyRouter(fails=1), all_items[:5], None, opts=QUIET)  # the run goes on
    assert [r.error is not None for r in recs] == [True, False, False, False, False]
    assert summarize_policy(recs)["overall"]["errors"] == 1


def test_a_router_bug_is_not_retried(replay_env, test_items) -> None:
    class Bad:
        name = "bad"

        def act(self, obs):
            return call("no-such-model")

    with pytest.raises(EpisodeError, match="no-such-model"):
        run_item(replay_env, Bad(), test_items[0], "bad", RunOptions(2.0, retries=3, progress=False),
                 sleep=lambda s: pytest.fail("retried"))
