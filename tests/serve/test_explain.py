"""`explain_turn`: the action a router took, its strongest alternatives and their probabilities — from the
embedded policy's softmax and the LLM router's constrained tool-choice scores — and a selected answer's evidence."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from xrouter.env.types import Answer, CallModels, CallRecord, ModelCall, Observation, Query, SelectResponse
from xrouter.routers.base import SingleModelRouter
from xrouter.serve.explain import ALTERNATIVES, explain_turn

REPO = Path(__file__).resolve().parents[2]


def observe(text: str, responses: tuple[CallRecord, ...] = (), lam: float = 7.0) -> Observation:
    turn = len({r.turn for r in responses}) + 1
    return Observation(Query("p", text), turn, responses, sum(r.cost_usd for r in responses), lam, 4 - turn, 6)


def answered(model: str, text: str, turn: int = 1) -> CallRecord:
    return CallRecord(turn, "call_" + model.replace("-", "_").replace(".", "_"), model, text, 50, 20, 0.001, 0.1)


def check_shape(why: dict, dist: dict[str, float]) -> None:
    """The taken action's probability is the router's, alternatives are the next strongest, in order."""
    assert why["probability"] == pytest.approx(dist[why["action"]], abs=1e-6)
    others = sorted((p for k, p in dist.items() if k != why["action"]), reverse=True)[:ALTERNATIVES]
    assert [a["probability"] for a in why["alternatives"]] == pytest.approx(others, abs=1e-6)
    assert why["action"] not in {a["action"] for a in why["alternatives"]}
    assert all(a["action"] in dist for a in why["alternatives"])


def test_embedded_turn_one_explains_the_call_it_made(tiny_router, tiny_pool, questions) -> None:
    obs = observe(questions[0])
    forwards = []
    hook = tiny_router.policy.register_forward_hook(lambda *_: forwards.append(1))
    try:
        action = tiny_router.act(obs)
        why = explain_turn(tiny_router, obs, action)
    finally:
        hook.remove()
    assert len(forwards) == 1  # explaining the turn reuses the forward pass `act` made
    dist = tiny_router.action_distribution(obs)
    assert set(dist) == {m.tool for m in tiny_pool}  # nothing to select yet: ACCEPT is not offered
    assert sum(dist.values()) == pytest.approx(1.0, abs=1e-5)
    assert isinstance(action, CallModels)
    assert why["action"] == tiny_pool.get(action.calls[0].model).tool == max(dist, key=dist.get)
    assert why["models"] == [action.calls[0].model] and len(why["alternatives"]) == ALTERNATIVES
    check_shape(why, dist)


def test_embedded_select_names_the_answer_and_the_models_agreeing_with_it(tiny_router, tiny_pool, questions) -> None:
    cheap, mid, dear = "gpt-4o-mini-2024-07-18", "deepseek-v2.5-0908", "claude-3-opus-20240229"
    agree = (answered(cheap, "so x = -1. The answer is -1"), answered(dear, "x = -1\n\nFinal answer: -1", 2))
    obs = observe(questions[0], agree)
    dist = tiny_router.action_distribution(obs)
    assert "select_response" in dist and tiny_pool.get(cheap).tool not in dist  # called models are not offered again
    why = explain_turn(tiny_router, obs, SelectResponse(agree[0].call_name))
    check_shape(why, dist)
    assert why["action"] == "select_response"
    sel = why["selected"]
    assert sel["call_name"] == agree[0].call_name and sel["model"] == cheap
    assert sel["correctness_estimate"] is None  # a router without a verifier estimates none: it trusts agreement
    assert sorted(sel["agreeing_models"]) == sorted([cheap, dear]) and sel["called_models"] == 2
    split = (answered(cheap, "The answer is 3"), answered(mid, "The answer is 4", 2))
    sel = explain_turn(tiny_router, observe(questions[0], split), SelectResponse(split[1].call_name))["selected"]
    assert sel["agreeing_models"] == [] and sel["model"] == mid


def test_lambda_moves_the_embedded_distribution(tiny_router, questions) -> None:
    cheap = tiny_router.action_distribution(observe(questions[1], lam=0.5))
    dear = tiny_router.action_distribution(observe(questions[1], lam=500.0))
    assert cheap.keys() == dear.keys() and any(abs(cheap[k] - dear[k]) > 1e-6 for k in cheap)


def test_a_router_without_a_distribution_gets_no_explanation(tiny_pool, questions) -> None:
    router = SingleModelRouter("gpt-4o-mini-2024-07-18")
    obs = observe(questions[0])
    assert explain_turn(router, obs, router.act(obs)) is None


class _Answering:
    """A router that answers itself, with a stated distribution and correctness estimate (the protocol)."""

    name = "answering"

    def action_distribution(self, obs):
        return {"answer": 0.7, "call_gpt_4o": 0.2, "select_response": 0.1}

    def correctness_estimate(self, obs, call_name):
        return 0.83

    def act(self, obs):
        return Answer("42")


def test_router_supplied_estimates_are_reported(questions) -> None:
    r = _Answering()
    obs = observe(questions[0], (answered("gpt-4o", "42"),))
    why = explain_turn(r, obs, r.act(obs))
    assert why["action"] == "answer" and why["probability"] == 0.7 and why["selected"] is None
    assert [a["action"] for a in why["alternatives"]] == ["call_gpt_4o", "select_response"]
    sel = explain_turn(r, obs, SelectResponse("call_gpt_4o"))["selected"]
    assert sel == {"call_name": "call_gpt_4o", "model": "gpt-4o", "correctness_estimate": 0.83}
    multi = CallModels((ModelCall("gpt-4o"), ModelCall("call_o1")))
    assert explain_turn(r, obs, multi)["action"] == "call_gpt_4o"  # a turn's first call names it


@pytest.mark.skipif(not (REPO / "models" / "router" / "router.json").is_file(),
                    reason="no trained router in models/router (dvc repro train)")
def test_the_trained_router_explains_every_turn_of_a_real_episode(world, zeroeval_pool, split_ids) -> None:
    from xrouter.backends.replay import ReplayBackend
    from xrouter.env.episode import RoutingEnv
    from xrouter.env.judge import ReplayJudge
    from xrouter.env.queries import replay_queries
    from xrouter.routers.factory import load_trained_router

    card = __import__("json").loads((REPO / "models" / "router" / "router.json").read_text())
    router = load_trained_router(REPO / "models" / "router", zeroeval_pool.subset(card["models"]))
    env = RoutingEnv(router.pool, ReplayBackend(world), ReplayJudge(world))
    lam = card.get("operating_lambda") or 7.0
    turns = 0
    for query in replay_queries(world, split_ids["test"][:5]):
        state, result = env.reset(query, lam), None
        while result is None:
            obs = env.observe(state)
            action = router.act(obs)
            dist = router.action_distribution(obs)
            why = explain_turn(router, obs, action)
            check_shape(why, dist)
            assert why["probability"] == pytest.approx(max(dist.values()), abs=1e-6)  # greedy: it took its most probable action
            assert math.isclose(sum(dist.values()), 1.0, abs_tol=1e-5)
            if isinstance(action, SelectResponse):
                assert why["selected"]["model"] in {r.model for r in obs.responses}
            result = env.step(state, action)
            turns += 1
    assert turns >= 5


@pytest.mark.slow
def test_llm_router_explains_its_tool_choice_with_constrained_probabilities(smollm, zeroeval_pool) -> None:
    from xrouter.rl.config import CPU_POOL
    from xrouter.rl.llm.chat import episode_messages, grammars, tool_completions
    from xrouter.rl.llm.policy import LLMPolicy, Turn
    from xrouter.rl.llm.router import LLMRouter

    pool = zeroeval_pool.subset(CPU_POOL)
    policy = LLMPolicy(smollm.model, smollm.tokenizer, grammars=grammars(pool))
    router = LLMRouter(policy, pool)
    first = answered("gpt-4o-mini-2024-07-18", "The answer is 42")
    for obs in (observe("What is 6*7?"), observe("What is 6*7?", (first,))):
        dist = router.action_distribution(obs)
        assert sum(dist.values()) == pytest.approx(1.0, abs=1e-4)  # constrained: all mass on the grammar
        assert ("select_response" in dist) == bool(obs.responses)
        # the same numbers by the training path: teacher-forced log-probs of each completion
        grammar = "later" if obs.responses else "first"
        prompt = policy.prompt_ids(episode_messages(obs, pool))
        comps = tool_completions(pool, select=bool(obs.responses))
        turns = [Turn(prompt, smollm.tokenizer(c, add_special_tokens=False)["input_ids"] + [policy.stop_id], "",
                      grammar=grammar) for c in comps]
        with torch.no_grad():
            logp, _, _ = policy.logprobs(turns)
        assert [math.exp(float(x)) for x in logp.sum(1)] == pytest.approx(list(dist.values()), rel=1e-3, abs=1e-6)
        action = router.act(obs)
        why = explain_turn(router, obs, action)
        check_shape(why, dist)
        assert why["action"] in dist


def test_a_router_with_a_verifier_gives_the_selected_answers_support(tiny_world, tiny_pool, questions,
                                                                       tmp_path) -> None:
    """The embedded router with its correctness verifier: the estimate is the verifier's support of the selected
    answer — higher when a second model agrees with it than when the same answer stands alone."""
    from xrouter.embeddings import DIM
    from xrouter.rl.embedded.policy import EmbeddedPolicy
    from xrouter.rl.embedded.replay_data import ReplayTensors
    from xrouter.rl.embedded.router import load_router, save_router
    from xrouter.rl.embedded.verifier import fit_verifier
    from xrouter.routers.card import RouterCard

    ids = sorted(tiny_world.prompts.loc[tiny_world.prompts["source"] == "zeroeval", "prompt_id"])
    verifier = fit_verifier(ReplayTensors.build(tiny_world, ids, tiny_pool), 0.003)
    torch.manual_seed(0)
    policy = EmbeddedPolicy(DIM, len(tiny_pool), 32, 16, verifier=True, select="likely")
    card = RouterCard("embedded", "zeroeval", tiny_pool.ids, (0.5, 500.0), {}, {}, 7.0,
                      {"embed_dim": DIM, "hidden": 32, "embed_proj": 16, "verifier": True, "select": "likely"})
    save_router(policy, card, tmp_path / "router", verifier)
    router = load_router(tmp_path / "router", tiny_pool)
    cheap, dear = "gpt-4o-mini-2024-07-18", "claude-3-opus-20240229"
    alone = (answered(cheap, "The answer is -1"), answered(dear, "The answer is 5", 2))
    agree = (answered(cheap, "The answer is -1"), answered(dear, "Final answer: -1", 2))
    est_alone = explain_turn(router, observe(questions[0], alone), SelectResponse(alone[0].call_name))
    est_agree = explain_turn(router, observe(questions[0], agree), SelectResponse(agree[0].call_name))
    p_alone = est_alone["selected"]["correctness_estimate"]
    p_agree = est_agree["selected"]["correctness_estimate"]
    assert 0.0 < p_alone < p_agree < 1.0
