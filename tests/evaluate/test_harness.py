"""The harness on real data: replay episodes on the test split, reference answers over the 17 benchmarks
graded by the real graders, concurrency, retries and failures."""

from __future__ import annotations

import pytest

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
def test_items(world, split_ids):
    return replay_items(world, split_ids["test"])


@pytest.fixture(scope="module")
def replay_env(world, zeroeval_pool, test_items):
    return RoutingEnv(zeroeval_pool, ReplayBackend(world), ItemJudge(test_items, world))


def test_a_single_model_scores_what_it_really_scored(world, replay_env, test_items, split_ids) -> None:
    model = "gpt-4o-mini-2024-07-18"
    recs = run_policy(replay_env, SingleModelRouter(model), test_items, None, opts=QUIET)
    o = world.outcomes
    rows = o[(o["model"] == model) & o["prompt_id"].isin(split_ids["test"])].set_index("prompt_id")
    assert [r.item_id for r in recs] == [i.id for i in test_items]
    assert sum(r.score for r in recs) == rows["correct"].sum()
    assert sum(r.cost_usd for r in recs) == pytest.approx(rows["cost_usd"].sum())
    assert sum(r.output_tokens for r in recs) == rows["output_tokens"].sum()
    s = summarize_policy(recs)
    assert s["overall"]["n"] == len(split_ids["test"]) and s["overall"]["calls_per_query"] == 1.0
    assert set(s["by_benchmark"]) == {"gsm8k", "math_level5", "cruxeval_o"}
    assert set(s["by_family"]) == {"math", "code_reasoning"}
    assert s["by_family"]["math"]["n"] == s["by_benchmark"]["gsm8k"]["n"] + s["by_benchmark"]["math_level5"]["n"]


def test_concurrency_changes_nothing_but_time(replay_env, test_items) -> None:
    router = SingleModelRouter("claude-3-haiku-20240307")
    one = run_policy(replay_env, router, test_items[:80], None, opts=QUIET)
    four = run_policy(replay_env, router, test_items[:80], None, opts=RunOptions(2.0, concurrency=4, retries=0, progress=False))
    strip = [(r.item_id, r.score, r.cost_usd, r.models_called) for r in one]
    assert strip == [(r.item_id, r.score, r.cost_usd, r.models_called) for r in four]


@pytest.fixture(scope="module")
def sampled(bench_items):
    return benchmark_items(bench_items, limit_per_benchmark=8, seed=3)


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
        return call("gpt-4o-mini-2024-07-18") if not obs.responses else Answer(obs.responses[0].text)


def test_a_failing_episode_is_retried_with_backoff_then_recorded(replay_env, test_items) -> None:
    sleeps: list[float] = []
    opts = RunOptions(2.0, concurrency=1, retries=2, backoff_s=0.5, progress=False)
    ok = run_item(replay_env, FlakyRouter(fails=2), test_items[0], "flaky", opts, sleep=sleeps.append)
    assert ok.error is None and ok.attempts == 3 and ok.calls == 1 and sleeps == [0.5, 1.0]
    bad = run_item(replay_env, FlakyRouter(fails=5), test_items[0], "flaky", opts, sleep=sleeps.append)
    assert bad.attempts == 3 and bad.score == 0 and "ConnectionError: router host went away" in bad.error
    recs = run_policy(replay_env, FlakyRouter(fails=1), test_items[:5], None, opts=QUIET)  # the run goes on
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
