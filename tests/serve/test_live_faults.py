"""`source: live` against a real OpenAI-compatible fake on 127.0.0.1 (tests/fakes/openai_server.py): provider
5xx, 429 and timeouts are retried, then the next model of the same tier answers, and the call history says
so; the user's chat reaches the provider; budgets hold before anything is sent."""

from __future__ import annotations

import pytest
from fakes.openai_server import Step
from fastapi.testclient import TestClient

from xrouter.env.types import CallModels, ModelCall, SelectResponse
from xrouter.serve.app import create_app
from xrouter.serve.engine import Engine
from xrouter.serve.sources import LiveSource, same_tier_fallbacks

MINI = "gpt-4o-mini-2024-07-18"


class CallThenSelect:
    """Calls one model, then returns its answer (whatever model answered it)."""

    name = "call-then-select"

    def __init__(self, model: str) -> None:
        self.model = model

    def act(self, obs):
        if not obs.responses:
            return CallModels((ModelCall(self.model, "Be concise."),))
        return SelectResponse(obs.responses[-1].call_name)


@pytest.fixture
def live_app(fake_openai, tiny_pool, replay_params, ledger):
    def build(**live):
        kw = dict(timeout_s=0.5, max_retries=2, backoff_s=0.0, fallback_same_tier=True)
        source = LiveSource(tiny_pool, api_base=fake_openai.base_url, api_key="dummy", model_prefix="openai/",
                            **{**kw, **live})
        params = replay_params.model_copy(update={"source": "live"})
        engine = Engine(CallThenSelect(MINI), tiny_pool, source, params, lambda_range=(0.5, 500.0),
                        default_lambda=7.0)
        return create_app(params, engine=engine, ledger=ledger)
    return build


def chat(client, text="What is 2 + 2?", **extra):
    return client.post("/v1/chat/completions", json={"model": "router-tool-rl", "max_tokens": 50, **extra,
                                                     "messages": [{"role": "user", "content": text}]})


def test_fallback_is_the_next_model_of_the_same_tier(tiny_pool) -> None:
    fb = same_tier_fallbacks(tiny_pool)
    assert all(tiny_pool.get(m).tier == tiny_pool.get(f[0]).tier and m != f[0] for m, f in fb.items())
    assert fb[MINI] == ["gemini-1.5-flash"]


def test_transient_errors_are_retried_then_answered(fake_openai, live_app) -> None:
    fake_openai.script(MINI, Step(status=500), Step(status=429))
    with TestClient(live_app()) as client:
        r = chat(client)
    call = r.json()["router_metadata"]["call_history"][0]
    assert r.status_code == 200 and fake_openai.hits[MINI] == 3
    assert call["model_id"] == MINI and call["attempts"] == 3 and call["error"] is None
    assert r.json()["choices"][0]["message"]["content"] == "echo: What is 2 + 2?"


@pytest.mark.parametrize("failure", [Step(status=503), Step(status=429), Step(delay_s=3.0)],
                         ids=["5xx", "429", "timeout"])
def test_a_failing_model_falls_back_within_its_tier(fake_openai, live_app, failure, ledger) -> None:
    fake_openai.script(MINI, default=failure)
    with TestClient(live_app()) as client:
        r = chat(client)
    meta = r.json()["router_metadata"]
    call = meta["call_history"][0]
    assert r.status_code == 200 and fake_openai.hits[MINI] == 3 and fake_openai.hits["gemini-1.5-flash"] == 1
    assert call["requested_model"] == MINI and call["model_id"] == "gemini-1.5-flash" and call["attempts"] == 4
    assert meta["model_used"] == "gemini-1.5-flash" and call["backend"] == "litellm"
    assert [row["model"] for row in ledger.spend()] == ["gemini-1.5-flash"]


def test_a_client_error_is_not_retried_and_fails_over(fake_openai, live_app) -> None:
    fake_openai.script(MINI, default=Step(status=400))
    fake_openai.script("gemini-1.5-flash", default=Step(status=400))
    with TestClient(live_app()) as client:
        r = chat(client)
    meta = r.json()["router_metadata"]
    assert fake_openai.hits[MINI] == 1 and fake_openai.hits["gemini-1.5-flash"] == 1
    assert meta["routing_strategy"] == "select_failed_call" and meta["total_cost"] == 0.0
    assert "BadRequestError" in meta["call_history"][0]["error"]


def test_the_users_chat_and_max_tokens_reach_the_provider(fake_openai, live_app) -> None:
    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "And 3 + 3?"}]
    with TestClient(live_app()) as client:
        r = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "max_tokens": 7, "messages": msgs})
    sent = fake_openai.requests[0]
    assert r.status_code == 200 and sent["max_tokens"] == 7
    assert sent["messages"] == [{"role": "system", "content": "Be concise.\n\nYou are terse."}, *msgs[1:]]


def test_a_request_over_its_max_cost_never_reaches_the_provider(fake_openai, live_app) -> None:
    with TestClient(live_app()) as client:
        r = chat(client, max_cost_usd=1e-9)
    assert r.status_code == 402 and r.json()["error"]["code"] == "budget_exceeded"
    assert sum(fake_openai.hits.values()) == 0


def test_a_key_without_budget_left_reaches_no_provider(fake_openai, live_app, ledger) -> None:
    _, secret = ledger.create_key("broke", 0.0)
    with TestClient(live_app()) as client:
        r = client.post("/v1/chat/completions", headers={"authorization": f"Bearer {secret}"},
                        json={"model": "router-tool-rl", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 402 and r.json()["error"]["param"] == "key_budget"
    assert sum(fake_openai.hits.values()) == 0 and ledger.spend() == []
