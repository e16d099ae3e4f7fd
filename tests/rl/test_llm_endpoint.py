"""The LLM router behind an OpenAI-compatible endpoint: the requests it builds per model family, endpoint
failures named, and — with the real SmolLM2-135M behind the local server on 127.0.0.1 — the same decisions as
the in-process router (tests/serve/test_endpoint_routing.py routes a request end to end)."""

from __future__ import annotations

import httpx
import pytest

from xrouter.env.types import CallModels, CallRecord, Observation, Query
from xrouter.rl.config import CPU_POOL
from xrouter.rl.llm.chat import episode_messages, tool_completions
from xrouter.rl.llm.endpoint import EndpointError, EndpointRouter, mode_for


@pytest.fixture(scope="module")
def pool(zeroeval_pool):
    return zeroeval_pool.subset(CPU_POOL)


def observe(responses=()) -> Observation:
    return Observation(Query("p", "What is 6*7?"), len({r.turn for r in responses}) + 1, tuple(responses), 0.0,
                       2.0, 3, 6)


def record(model: str, turn: int = 1) -> CallRecord:
    tool = "call_" + model.replace("-", "_").replace(".", "_")
    return CallRecord(turn, tool, model, "The answer is 42", 10, 5, 0.001, 0.0)


def test_each_model_family_gets_its_request(pool) -> None:
    assert mode_for("Qwen/Qwen2.5-7B-Instruct") == "tools" and mode_for("HuggingFaceTB/SmolLM2-135M-Instruct") == "choice"
    r = EndpointRouter(pool, base_url="http://127.0.0.1:9/v1", model="router")
    first, later = observe(), observe((record("gpt-4o-mini-2024-07-18"),))
    req = r.request(first)
    assert req["messages"][:-1] == episode_messages(first, pool)  # the conversation it was trained on
    assert req["messages"][-1] == {"role": "assistant", "content": '<tool_call>{"name": "'}  # the prefill
    extra = req["extra_body"]
    assert extra["continue_final_message"] and not extra["add_generation_prompt"]
    assert extra["structured_outputs"]["choice"] == tool_completions(pool, select=False)
    assert r.request(later)["extra_body"]["structured_outputs"]["choice"] == tool_completions(pool, select=True)
    q = EndpointRouter(pool, base_url="http://127.0.0.1:9/v1", model="router", mode="tools")
    names = lambda req: [t["function"]["name"] for t in req["tools"]]  # noqa: E731
    assert names(q.request(first)) == [m.tool for m in pool]  # nothing to select on the first turn
    assert names(q.request(later)) == [m.tool for m in pool] + ["select_response"]
    assert q.request(first)["messages"] == episode_messages(first, pool) and q.request(first)["tool_choice"] == "auto"
    with pytest.raises(ValueError, match="mode must be"):
        EndpointRouter(pool, base_url="http://127.0.0.1:9/v1", model="router", mode="grammar")


def test_an_unreachable_endpoint_is_an_error_naming_it(pool) -> None:
    r = EndpointRouter(pool, base_url="http://127.0.0.1:9/v1", model="router", timeout_s=2.0, max_retries=0)
    with pytest.raises(EndpointError, match="127.0.0.1:9"):
        r.act(observe())


@pytest.fixture(scope="module")
def local_server(smollm):
    from xrouter.rl.llm.serve_local import LocalLM, LocalServer

    with LocalServer(LocalLM(smollm.model, smollm.tokenizer, "smollm2-router")) as server:
        yield server


@pytest.mark.slow
def test_endpoint_router_decides_as_the_in_process_router(smollm, pool, local_server) -> None:
    from xrouter.rl.llm.chat import grammars
    from xrouter.rl.llm.policy import LLMPolicy
    from xrouter.rl.llm.router import LLMRouter

    models = httpx.get(local_server.base_url + "/models").json()
    assert [m["id"] for m in models["data"]] == ["smollm2-router"]
    inproc = LLMRouter(LLMPolicy(smollm.model, smollm.tokenizer, grammars=grammars(pool)), pool)
    remote = EndpointRouter(pool, base_url=local_server.base_url, model="smollm2-router", timeout_s=600)
    for obs in (observe(), observe((record("gpt-4o-mini-2024-07-18"),))):
        text = remote.reply_text(obs)
        assert text.endswith("</tool_call>") and text in [remote.prefill + c for c in tool_completions(pool, bool(obs.responses))]
        assert remote.act(obs) == inproc.act(obs)
    # Hermes tools: a required tool choice comes back as `tool_calls` and parses to a call of a pool model
    tools = EndpointRouter(pool, base_url=local_server.base_url, model="smollm2-router", mode="tools",
                           tool_choice="required", timeout_s=600)
    action = tools.act(observe())
    assert isinstance(action, CallModels) and pool.resolve(action.calls[0].model).id in pool.ids
