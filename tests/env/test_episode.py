"""Routing episodes on the tiny literal replay world (tests/support/tiny_world.py): tools, select/answer,
limits, ledger, reward; and a live run against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from support.tiny_world import G0, GEMMA, GPT4O, LLAMA, MINI, O1
from xrouter.backends.litellm_backend import LiteLLMBackend
from xrouter.backends.replay import ReplayBackend
from xrouter.env.episode import EpisodeError, EpisodeLimits, RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.reward import RewardParams
from xrouter.env.tools import routing_tools
from xrouter.env.types import Answer, CallModels, CallRecord, ModelCall, Observation, Query, SelectResponse
from xrouter.pool import load_pool

LAM = 2.0  # the released xRouter's λ
PID = G0  # Janet's ducks, gold 18: gemma answers 26, every other model 18
CHEAP, PREMIUM = GEMMA, GPT4O


class Scripted:
    """A router that plays a fixed list of actions and records what it observed."""

    name = "scripted"

    def __init__(self, *actions) -> None:
        self.actions, self.seen = list(actions), []

    def act(self, obs: Observation):
        self.seen.append(obs)
        return self.actions.pop(0)


@pytest.fixture(scope="module")
def world(tiny_world):
    return tiny_world


@pytest.fixture(scope="module")
def pool(tiny_pool):
    return tiny_pool


@pytest.fixture(scope="module")
def query(world):
    q = world.prompts.set_index("prompt_id").loc[PID]
    return Query(PID, q["question"], q["task"], q["source"])


def env(world, pool, **limits) -> RoutingEnv:
    return RoutingEnv(pool, ReplayBackend(world), ReplayJudge(world), EpisodeLimits(**limits))


def test_tools_follow_the_original_conventions(pool) -> None:
    tools = routing_tools(pool)
    names = [t["function"]["name"] for t in tools]
    assert len(names) == len(pool) + 1 and names[-1] == "select_response"
    assert "call_gpt_4o_mini_2024_07_18" in names and "call_Llama_3_1_405B_Inst_sambanova" in names
    mini = next(t for t in tools if t["function"]["name"] == "call_gpt_4o_mini_2024_07_18")["function"]
    assert "budget tier" in mini["description"] and "$0.15/M input" in mini["description"]
    assert set(mini["parameters"]["properties"]) == {"optimized_system_prompt", "temperature"}
    o1 = next(t for t in tools if t["function"]["name"] == "call_o1_mini_2024_09_12")["function"]
    assert "hidden reasoning" in o1["description"] and "×7.32" in o1["description"]
    assert "hidden reasoning" not in mini["description"]


def test_call_then_select_returns_the_text_verbatim_and_bills_it(world, pool, query) -> None:
    router = Scripted(CallModels((ModelCall(MINI, "Be brief."),)), SelectResponse("call_gpt_4o_mini_2024_07_18"))
    r = env(world, pool).run(router, query, LAM)
    recorded = world.outcome(PID, MINI)
    assert r.final_text == world.response(PID, MINI) and r.final_model == MINI
    assert r.routing_strategy == "select_response" and r.turns == 2 and r.models_called == [MINI]
    assert math.isclose(r.cost_usd, recorded.cost_usd) and r.score == recorded.score
    assert math.isclose(r.cost_usd, (150 * 0.15 + 83 * 0.60) / 1e6)  # 150 tokens in, 83 out: $0.0000723
    assert math.isclose(r.reward, recorded.score * (1 - min(2 * recorded.cost_usd, 0.6)))
    assert math.isclose(r.reward, 1 - 2 * 72.3e-6)
    entry = r.calls[0].as_dict()
    assert entry["model"] == MINI and entry["input_tokens"] == recorded.input_tokens and entry["turn"] == 1


def test_router_sees_text_and_metering_but_never_the_grade(world, pool, query) -> None:
    router = Scripted(CallModels((ModelCall(CHEAP), ModelCall(MINI))), SelectResponse("call_gemma_2_2b_it"))
    r = env(world, pool).run(router, query, 5.0)
    assert r.final_model == CHEAP and r.score == 0.0  # gemma's recorded answer (26) was wrong
    obs = router.seen[1]
    assert obs.turn == 2 and obs.lam == 5.0 and obs.turns_left == 2 and obs.calls_left == 4
    assert [r.model for r in obs.responses] == [CHEAP, MINI]
    fields = {f.name for f in dataclasses.fields(CallRecord)} | {f.name for f in dataclasses.fields(Observation)}
    assert not fields & {"correct", "score", "outcome", "gold", "reward"}


def test_direct_answer_is_graded_against_gold(world, pool, query) -> None:
    right = env(world, pool).run(Scripted(Answer('{"reasoning": "...", "answer": "18"}')), query, LAM)
    wrong = env(world, pool).run(Scripted(Answer("The answer is 17.")), query, LAM)
    assert (right.score, right.cost_usd, right.reward, right.routing_strategy) == (1.0, 0.0, 1.0, "direct_response")
    assert wrong.score == 0.0 and wrong.final_model == "router"


def test_direct_answers_are_graded_by_the_graders_on_every_replay_task(world, pool) -> None:
    """One definition of "correct": the judge grades router-written text with xrouter.graders against the replay
    prompt's benchmark item (CruxEval-O by running the code in the sandbox, MATH level 5 with math-verify)."""
    p = world.prompts
    for task in ("crux", "math-l5"):
        pid, question, gold = p.loc[p["task"] == task, ["prompt_id", "question", "gold"]].iloc[0]
        q = Query(pid, question, task, "zeroeval")
        said = json.dumps({"reasoning": "...", "answer": gold})  # ZeroEval's answer form, as models write it
        right = env(world, pool).run(Scripted(Answer(said)), q, LAM)
        wrong = env(world, pool).run(Scripted(Answer(json.dumps({"answer": "123456789"}))), q, LAM)
        assert (right.score, wrong.score) == (1.0, 0.0), (task, gold)
    llmrouter = p.loc[p["source"] == "llmrouter"].iloc[0]
    q = Query(llmrouter["prompt_id"], llmrouter["question"], llmrouter["task"], "llmrouter")
    assert env(world, pool).run(Scripted(Answer("anything")), q, LAM).score == 0.0  # no gold: stated as 0


def test_max_turns_ends_with_the_priciest_answer_so_far(world, pool, query) -> None:
    router = Scripted(*(CallModels((ModelCall(m),)) for m in (CHEAP, PREMIUM, MINI)))
    r = env(world, pool).run(router, query, LAM)
    assert r.routing_strategy == "max_turns_reached" and r.turns == 3
    assert r.final_model == PREMIUM and r.final_text == world.response(PID, PREMIUM)


def test_the_priciest_answer_counts_o1s_hidden_reasoning(world, pool, query) -> None:
    # reference price (1k in + 1k out): gpt-4o $0.0025 + $0.010 = $0.0125; o1-mini $0.0011 + $0.0044 × 7.32 =
    # $0.0333 — o1-mini is the pricier model although its list output price is lower
    router = Scripted(*(CallModels((ModelCall(m),)) for m in (O1, PREMIUM, LLAMA)))
    r = env(world, pool).run(router, query, LAM)
    assert r.routing_strategy == "max_turns_reached" and r.final_model == O1
    # o1-mini on this prompt: 150 tokens in, 60 visible out billed as 60 × 7.32 = 439.2 → $0.00209748
    assert math.isclose(r.calls[0].cost_usd, (150 * 1.10 + 60 * 7.32 * 4.40) / 1e6)
    assert math.isclose(r.cost_usd, sum(world.outcome(PID, m).cost_usd for m in (O1, PREMIUM, LLAMA)))


def test_max_calls_runs_only_what_fits(world, pool, query) -> None:
    router = Scripted(CallModels(tuple(ModelCall(m) for m in (CHEAP, MINI, PREMIUM))))
    r = env(world, pool, max_calls=2).run(router, query, LAM)
    assert r.routing_strategy == "max_calls_reached" and r.models_called == [CHEAP, MINI]
    assert r.final_model == MINI


def test_max_cost_stops_after_the_expensive_call(world, pool, query) -> None:
    router = Scripted(CallModels((ModelCall(PREMIUM),)), CallModels((ModelCall(CHEAP),)))
    r = env(world, pool, max_cost_usd=1e-6).run(router, query, LAM)
    assert r.routing_strategy == "max_cost_reached" and r.models_called == [PREMIUM]


def test_repeated_calls_get_distinct_names(world, pool, query) -> None:
    router = Scripted(CallModels((ModelCall(MINI), ModelCall(MINI))), SelectResponse("call_gpt_4o_mini_2024_07_18#2"))
    r = env(world, pool).run(router, query, LAM)
    assert r.models_called == [MINI, MINI] and r.routing_strategy == "select_response"


def test_impossible_actions_are_named(world, pool, query) -> None:
    with pytest.raises(EpisodeError, match="no earlier call named 'call_gpt_5'"):
        env(world, pool).run(Scripted(SelectResponse("call_gpt_5")), query, LAM)
    with pytest.raises(EpisodeError, match="not in pool 'tiny'"):
        env(world, pool).run(Scripted(CallModels((ModelCall("gpt-5"),))), query, LAM)


def test_unknown_prompt_fails_the_call_not_the_episode(world, pool) -> None:
    q = Query("nope", "What is the airspeed of an unladen swallow?", "gsm", "zeroeval")
    r = env(world, pool).run(Scripted(CallModels((ModelCall(MINI),)), SelectResponse("call_gpt_4o_mini_2024_07_18")), q, LAM)
    assert r.calls[0].error and "unknown prompt 'nope'" in r.calls[0].error
    assert r.routing_strategy == "select_failed_call" and r.final_model is None
    assert r.score == 0.0 and r.cost_usd == 0.0 and r.reward == 0.0


def test_live_episode_calls_models_concurrently_with_the_system_prompt(fake_openai) -> None:
    from fakes.openai_server import Step

    live = load_pool("live")
    fake_openai.script("gpt-4o-mini", default=Step(text="The answer is 18.", delay_s=0.5))
    fake_openai.script("gpt-4.1-nano", default=Step(text="The answer is 17.", delay_s=0.5))
    backend = LiteLLMBackend.for_pool(live, api_base=fake_openai.base_url, api_key="test", max_retries=0)
    backend.aliases = {k: f"openai/{k}" for k in ("gpt-4o-mini", "gpt-4.1-nano")}
    judge = lambda q, text, completion: float("18" in text)  # noqa: E731 (live: no recorded grade)
    router = Scripted(CallModels((ModelCall("gpt-4o-mini", "Answer tersely."), ModelCall("call_gpt_4_1_nano"))),
                      SelectResponse("call_gpt_4o_mini"))
    q = Query("live-1", "Janet has 16 eggs...", "gsm", "live")
    backend.complete("gpt-4o-mini", [{"role": "user", "content": "warm up"}])  # first call pays imports
    import time

    start = time.perf_counter()
    r = RoutingEnv(live, backend, judge, reward=RewardParams()).run(router, q, LAM)
    wall = time.perf_counter() - start
    latencies = [c.latency_s for c in r.calls]
    assert min(latencies) >= 0.5 and wall < sum(latencies)  # the two calls overlapped
    assert r.score == 1.0 and r.final_model == "gpt-4o-mini" and r.cost_usd > 0
    sent = {req["model"]: req["messages"] for req in fake_openai.requests}
    assert sent["gpt-4o-mini"] == [{"role": "system", "content": "Answer tersely."},
                                   {"role": "user", "content": "Janet has 16 eggs..."}]
