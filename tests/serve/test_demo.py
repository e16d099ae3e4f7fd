"""`source: demo`: a recorded prompt is replayed; any other prompt keeps the real routing decision while
SmolLM2-135M (CPU) writes the chosen model's answer, labelled `standin`, its cost simulated."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from xrouter.serve.app import create_app
from xrouter.serve.engine import Engine
from xrouter.serve.sources import DemoSource


@pytest.fixture(scope="module")
def demo_app_parts(tiny_router, tiny_pool, tiny_world, replay_params, smollm):
    params = replay_params.model_copy(update={"source": "demo"})
    source = DemoSource(tiny_world, tiny_pool, max_new_tokens=8, smollm=smollm)
    return Engine(tiny_router, tiny_pool, source, params, lambda_range=(0.5, 500.0), default_lambda=7.0), params


def test_unrecorded_prompt_gets_a_standin_answer_with_simulated_cost(demo_app_parts, ledger, tiny_pool) -> None:
    engine, params = demo_app_parts
    with TestClient(create_app(params, engine=engine, ledger=ledger)) as client:
        r = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "messages": [
            {"role": "user", "content": "Name a prime number between 10 and 20."}]})
    meta = r.json()["router_metadata"]
    calls = [c for c in meta["call_history"] if c["error"] is None]
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"]
    assert calls and all(c["backend"] == "standin" for c in calls) and meta["cost_simulated"] is True
    for c in calls:  # the chosen model's price for SmolLM2's tokens, never more than 8 of them
        spec = tiny_pool.get(c["model_id"])
        assert 0 < c["tokens_used"]["completion"] <= 8
        assert math.isclose(c["cost"], spec.cost_usd(c["tokens_used"]["prompt"], c["tokens_used"]["completion"]))
    rows = ledger.spend()
    assert math.isclose(sum(x["simulated_cost_usd"] for x in rows), meta["total_cost"])


def test_recorded_prompt_is_replayed_in_demo(demo_app_parts, ledger, questions) -> None:
    engine, params = demo_app_parts
    with TestClient(create_app(params, engine=engine, ledger=ledger)) as client:
        r = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "messages": [
            {"role": "user", "content": questions[0]}]})
    meta = r.json()["router_metadata"]
    assert {c["backend"] for c in meta["call_history"] if c["error"] is None} == {"replay"}
    assert meta["cost_simulated"] is False and meta["source"] == "demo"
