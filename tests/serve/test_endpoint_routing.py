"""A chat request served by the engine with the LLM router behind a real OpenAI-compatible endpoint (the local
server over SmolLM2-135M on 127.0.0.1; vLLM in production): the router's decisions come over HTTP, the
answers from the replay world."""

from __future__ import annotations

import pytest

from xrouter.rl.config import CPU_POOL
from xrouter.rl.llm.endpoint import EndpointRouter


@pytest.fixture(scope="module")
def pool(tiny_pool):
    return tiny_pool.subset(CPU_POOL)


@pytest.fixture(scope="module")
def local_server(smollm):
    from xrouter.rl.llm.serve_local import LocalLM, LocalServer

    with LocalServer(LocalLM(smollm.model, smollm.tokenizer, "smollm2-router")) as server:
        yield server


@pytest.mark.slow
def test_a_request_routes_end_to_end_through_the_endpoint(pool, tiny_world, replay_params, questions,
                                                          local_server) -> None:
    from xrouter.serve.engine import Engine, Job
    from xrouter.serve.sources import ReplaySource

    router = EndpointRouter(pool, base_url=local_server.base_url, model="smollm2-router", timeout_s=600)
    engine = Engine(router, pool, ReplaySource(tiny_world, pool), replay_params, lambda_range=(0.5, 500.0),
                    default_lambda=2.0)
    job = Job(messages=({"role": "user", "content": questions[0]},), max_tokens=1000, lam=2.0, max_cost_usd=1.0,
              request_id="e2e")
    served = engine.run(job)
    meta = served.metadata
    ok = [c for c in meta["call_history"] if c["error"] is None]
    assert ok and all(c["model_id"] in pool.ids and c["backend"] == "replay" for c in ok)
    assert meta["model_used"] in {c["model_id"] for c in ok} and served.text
    assert meta["total_cost"] == pytest.approx(sum(c["cost"] for c in ok))
