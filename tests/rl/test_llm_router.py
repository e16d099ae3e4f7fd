"""The tool-calling LLM router: replies parsed into actions, grammar-constrained sampling with the real
SmolLM2-135M, log-probabilities, a DAPO update on real replay episodes, and the saved router."""

from __future__ import annotations

import pytest
import torch

from xrouter.backends.replay import ReplayBackend
from xrouter.env.episode import EpisodeLimits, RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.queries import replay_queries
from xrouter.env.types import Answer, CallModels, CallRecord, Observation, Query, SelectResponse
from xrouter.rl.config import CPU_POOL, LLMTrainConfig
from xrouter.rl.llm.chat import episode_messages, grammars, parse_reply
from xrouter.rl.llm.policy import LLMPolicy
from xrouter.rl.llm.trainer import train_llm


@pytest.fixture(scope="module")
def pool(zeroeval_pool):
    return zeroeval_pool.subset(CPU_POOL)


def obs(responses=()) -> Observation:
    return Observation(Query("p", "What is 6*7?"), len({r.turn for r in responses}) + 1, tuple(responses), 0.0, 2.0,
                       3, 6)


def resp(name: str, turn: int = 1, text: str = "The answer is 42") -> CallRecord:
    return CallRecord(turn, name, name.removeprefix("call_"), text, 10, 5, 0.001, 0.0)


def test_replies_become_actions(pool) -> None:
    one = '<tool_call>{"name": "call_gpt_4o_mini_2024_07_18"}</tool_call>'
    action, ok = parse_reply(one, obs(), pool)
    assert ok and action == CallModels(action.calls) and [c.model for c in action.calls] == ["call_gpt_4o_mini_2024_07_18"]
    two = one + '<tool_call>{"name": "call_o1_mini_2024_09_12", "arguments": {"optimized_system_prompt": "Be brief"}}</tool_call>'
    action, _ = parse_reply(two, obs(), pool)
    assert [c.model for c in action.calls] == ["call_gpt_4o_mini_2024_07_18", "call_o1_mini_2024_09_12"]
    assert action.calls[1].system_prompt == "Be brief"
    seen = (resp("call_gpt_4o_mini_2024_07_18"), resp("call_o1_mini_2024_09_12"))
    assert parse_reply('<tool_call>{"name": "select_response"}</tool_call>', obs(seen), pool)[0] == \
        SelectResponse("call_o1_mini_2024_09_12")  # no argument: the latest response
    picked = '<tool_call>{"name": "select_response", "arguments": {"model_call_name": "call_gpt_4o_mini_2024_07_18"}}'
    assert parse_reply(picked, obs(seen), pool)[0] == SelectResponse("call_gpt_4o_mini_2024_07_18")
    assert parse_reply('<tool_call>{"name": "call_gemini_1_5_flash", "argu', obs(), pool)[1]  # cut short: name kept
    action, ok = parse_reply('<tool_call>{"name": "call_gpt_9"}</tool_call> 42', obs(), pool)
    assert not ok and action == Answer("42")  # no pool tool: the router's own answer


def test_the_conversation_shows_prices_lambda_and_results(pool) -> None:
    msgs = episode_messages(obs((resp("call_gpt_4o_mini_2024_07_18", text="x" * 500 + "ANSWER 42"),)), pool, 50)
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    o1 = pool.get("o1-mini-2024-09-12")
    assert f"call_o1_mini_2024_09_12: ${o1.input_usd_per_mtok:g}/${o1.output_usd_per_mtok:g}" in msgs[0]["content"]
    assert "costs 2 reward points" in msgs[0]["content"]
    assert msgs[3]["content"].endswith("ANSWER 42") and "x" * 60 not in msgs[3]["content"]


@pytest.fixture(scope="module")
def policy(smollm, pool):
    return LLMPolicy(smollm.model, smollm.tokenizer, grammars=grammars(pool))


def test_constrained_sampling_always_writes_a_valid_call(policy, pool) -> None:
    conv = episode_messages(obs(), pool)
    torch.manual_seed(0)
    turns = policy.generate([conv] * 12, grammar=["first"] * 12)
    for t in turns:
        action, ok = parse_reply(t.text, obs(), pool)
        assert ok and isinstance(action, CallModels) and t.text.endswith("</tool_call>")
        assert t.gen_ids[-1] == policy.stop_id
    assert len({t.text for t in turns}) > 1  # it samples
    greedy = policy.generate([conv] * 3, greedy=True, grammar=["first"] * 3)
    assert len({t.text for t in greedy}) == 1
    seen = obs((resp("call_gpt_4o_mini_2024_07_18"),))
    later = policy.generate([episode_messages(seen, pool)] * 12, grammar=["later"] * 12)
    assert all(parse_reply(t.text, seen, pool)[1] for t in later)
    with pytest.raises(ValueError, match="one grammar per conversation"):
        policy.generate([conv])


def test_logprobs_are_those_of_the_constrained_distribution(policy, pool) -> None:
    conv = episode_messages(obs(), pool)
    torch.manual_seed(1)
    turns = policy.generate([conv] * 6, grammar=["later"] * 6)
    with torch.no_grad():
        logp, mask, _ = policy.logprobs(turns)
        t = turns[0]
        seq = torch.tensor([t.prompt_ids + t.gen_ids])
        full = policy.model(input_ids=seq).logits[0].float()
        expect = []
        trie = policy.tries["later"]
        for i in trie.decisions(t.gen_ids):
            allowed = trie.allowed(t.gen_ids[:i])
            lp = torch.log_softmax(full[len(t.prompt_ids) - 1 + i, allowed], -1)
            expect.append(float(lp[allowed.index(t.gen_ids[i])]))
    assert int(mask[0].sum()) == len(expect) >= 1
    assert logp[0, : len(expect)].tolist() == pytest.approx(expect, abs=1e-4)
    # the first decision is call_ vs select_response: its two probabilities sum to 1
    assert len(policy.tries["later"].allowed([])) == 2 and len(policy.tries["first"].allowed([])) == 1


@pytest.mark.slow
def test_a_dapo_step_on_replay_episodes_updates_the_model(smollm, world, pool, split_ids, tmp_path) -> None:
    import copy

    from xrouter.rl.llm.router import llm_router_card, load_llm_router, save_llm_router

    fresh = copy.deepcopy(smollm)  # its own copy: training changes weights
    policy = LLMPolicy(fresh.model, fresh.tokenizer, grammars=grammars(pool))
    # one call per episode keeps it quick: the reply chooses the model, the env answers with it
    env = RoutingEnv(pool, ReplayBackend(world), ReplayJudge(world), EpisodeLimits(max_turns=1, max_calls=1))
    queries = replay_queries(world, split_ids["train"][:40])
    cfg = LLMTrainConfig(steps=2, prompts_per_step=2, eval_prompts=2, lr=1e-4,
                         dapo={"group_size": 4, "max_resample_rounds": 3, "max_response_len": 48,
                               "overlong_buffer_len": 8})
    before = {k: v.clone() for k, v in fresh.model.named_parameters() if "layers.0." in k}
    seen = []
    out = train_llm(policy, env, pool, queries, cfg, on_step=lambda s, m: seen.append(m))
    assert len(seen) == 2 and {"reward", "accuracy", "well_formed", "dropped_group_fraction"} <= set(seen[0])
    assert all(m["well_formed"] == 1.0 for m in seen)  # constrained: every reply is a call
    trained = [m for m in seen if "loss" in m]
    assert trained, "no group had a reward spread in 2 steps × 4 rounds"
    assert any(not torch.equal(before[k], v) for k, v in fresh.model.named_parameters() if k in before)
    assert set(out["greedy_before"]) == {"reward", "accuracy", "well_formed"}

    save_llm_router(policy, llm_router_card(cfg, "zeroeval", pool.ids, {}), tmp_path / "router")
    router = load_llm_router(tmp_path / "router", pool)
    result = env.run(router, queries[0], lam=2.0)
    assert len(result.models_called) == 1 and set(result.models_called) <= set(pool.ids)
    _register_and_route(tmp_path, world, router, queries[:2])


def _register_and_route(tmp_path, world, router, queries) -> None:
    """The LLM router registers in a real MLflow store like the embedded one, and its pyfunc routes as it does."""
    import mlflow
    import pandas as pd

    from xrouter.tracking import first_model, log_router_model

    world.prices.to_parquet(tmp_path / "prices.parquet")
    uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        experiment = mlflow.create_experiment("llm-router", artifact_location=(tmp_path / "artifacts").as_uri())
        with mlflow.start_run(experiment_id=experiment):
            version = log_router_model(tmp_path / "router", "xrouter-llm-router", tmp_path / "prices.parquet")
        model = mlflow.pyfunc.load_model(f"models:/xrouter-llm-router/{version}")
    finally:
        mlflow.set_tracking_uri(uri)
    texts = [q.text for q in queries]
    routed = model.predict(pd.DataFrame({"query": texts, "lambda": [2.0] * len(texts)}))
    assert routed == [first_model(router, t, 2.0) for t in texts]
    assert set(routed) <= set(router.pool.ids)
