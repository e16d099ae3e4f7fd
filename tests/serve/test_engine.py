"""The engine on the tiny replay world: one request → one episode, metadata that adds up, budgets per call."""

from __future__ import annotations

import math
import time

import pytest

from xrouter.env.types import CallModels, ModelCall
from xrouter.routers.base import RoutingError
from xrouter.serve.engine import BudgetRefused, Engine, Job, RouterFailed
from xrouter.serve.metadata import CALL_KEYS
from xrouter.serve.sources import PromptNotInReplay, ReplaySource

PRICIEST = "claude-3-opus-20240229"


def engine(router, pool, world, params, **kw) -> Engine:
    return Engine(router, pool, ReplaySource(world, pool), params, lambda_range=(0.5, 500.0), default_lambda=7.0,
                  **kw)


def job(text: str, **kw) -> Job:
    base = dict(messages=({"role": "user", "content": text},), max_tokens=1000, lam=7.0, max_cost_usd=1.0,
                request_id="r1")
    return Job(**{**base, **kw})


class Scripted:
    """Calls the same (priciest) model every turn, as a user message might demand; never selects."""

    name = "scripted"

    def __init__(self, model: str) -> None:
        self.model = model

    def act(self, obs):
        return CallModels((ModelCall(self.model, "Answer."), ModelCall(self.model, "Again.")))


def test_recorded_prompt_gets_the_recorded_answer_and_price(tiny_router, tiny_pool, tiny_world, replay_params,
                                                             questions) -> None:
    served = engine(tiny_router, tiny_pool, tiny_world, replay_params).run(job(questions[0]))
    meta = served.metadata
    pid = tiny_world.prompt_id_for_text(questions[0])
    ok = [c for c in meta["call_history"] if c["error"] is None]
    assert ok and all(set(c) == set(CALL_KEYS) for c in meta["call_history"])
    for c in ok:  # each call: the model's recorded answer at its recorded price
        assert c["response"] == (tiny_world.response(pid, c["model_id"]) or "")
        assert math.isclose(c["cost"], tiny_world.outcome(pid, c["model_id"]).cost_usd)
        assert c["backend"] == "replay" and c["attempts"] == 1 and c["requested_model"] == c["model_id"]
    assert math.isclose(meta["total_cost"], sum(c["cost"] for c in ok))
    assert meta["total_cost"] == meta["router_cost"] + meta["target_models_cost"] and meta["router_cost"] == 0.0
    assert meta["model_used"] in {c["model_id"] for c in ok}
    assert served.text == next(c["response"] for c in ok if c["model_id"] == meta["model_used"])
    assert meta["lambda"] == 7.0 and meta["turns_used"] >= 1 and meta["routing_strategy"] in (
        "select_response", "max_turns_reached", "max_calls_reached", "max_cost_reached")
    assert served.usage["prompt_tokens"] == sum(c["tokens_used"]["prompt"] for c in ok) > 0
    assert served.usage["total_tokens"] == served.usage["prompt_tokens"] + served.usage["completion_tokens"]


def test_unrecorded_prompt_is_refused_by_replay(tiny_router, tiny_pool, tiny_world, replay_params) -> None:
    with pytest.raises(PromptNotInReplay, match="matches no recorded prompt"):
        engine(tiny_router, tiny_pool, tiny_world, replay_params).run(job("What is the capital of Peru?"))


def test_repeated_calls_to_the_priciest_model_stay_within_max_cost(tiny_pool, tiny_world, replay_params,
                                                                   questions) -> None:
    pid = tiny_world.prompt_id_for_text(questions[1])
    one = tiny_world.outcome(pid, PRICIEST).cost_usd
    cap = 2.5 * one  # room for two calls, not three
    served = engine(Scripted(PRICIEST), tiny_pool, tiny_world, replay_params).run(job(questions[1], max_cost_usd=cap))
    meta = served.metadata
    paid = [c for c in meta["call_history"] if c["error"] is None]
    refused = [c for c in meta["call_history"] if c["error"] and "budget_exceeded" in c["error"]]
    assert len(paid) == 2 and refused and meta["total_cost"] <= cap
    assert meta["routing_strategy"] == "max_cost_reached" and meta["model_used"] == PRICIEST
    assert [c["call_id"] for c in paid] == ["call_claude_3_opus_20240229", "call_claude_3_opus_20240229#2"]


def test_a_budget_too_small_for_any_call_refuses_the_request(tiny_pool, tiny_world, replay_params, questions) -> None:
    e = engine(Scripted(PRICIEST), tiny_pool, tiny_world, replay_params)
    with pytest.raises(BudgetRefused, match="max_cost_usd") as err:
        e.run(job(questions[1], max_cost_usd=1e-9))
    assert err.value.reason == "max_cost_usd"


def test_the_users_system_prompt_and_earlier_turns_reach_the_target_model(tiny_pool, tiny_world, replay_params,
                                                                          questions) -> None:
    seen = []

    class Recording(ReplaySource):
        def worst_case(self, spec, messages, params):
            seen.append(messages)
            return super().worst_case(spec, messages, params)

    chat = ({"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Bonjour"}, {"role": "user", "content": questions[2]})
    e = Engine(Scripted("gpt-4o-mini-2024-07-18"), tiny_pool, Recording(tiny_world, tiny_pool), replay_params,
               lambda_range=(0.5, 500.0), default_lambda=7.0)
    served = e.run(job(questions[2], messages=chat))
    assert served.metadata["call_history"][0]["error"] is None  # found by its last user message
    assert seen[0] == [{"role": "system", "content": "Answer.\n\nAnswer in French."},
                       {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Bonjour"},
                       {"role": "user", "content": questions[2]}]


def test_embeddings_stay_in_a_bounded_lru(tiny_router, tiny_pool, tiny_world, serve_root, questions) -> None:
    from xrouter.serve.config import ServeParams

    params = ServeParams(source="replay", embedding_cache=2).resolved(serve_root)
    e = engine(tiny_router, tiny_pool, tiny_world, params)
    for q in questions:
        e.run(job(q))
    assert len(e.embeddings) == 2 and questions[-1] in e.embeddings and questions[0] not in e.embeddings


def test_an_episode_past_its_deadline_ends_with_timeout(tiny_pool, tiny_world, serve_root, questions) -> None:
    from xrouter.serve.config import ServeParams

    class SlowCaller(Scripted):
        def act(self, obs):
            time.sleep(0.3)
            return super().act(obs)

    params = ServeParams(source="replay", episode_deadline_s=0.2).resolved(serve_root)
    served = engine(SlowCaller(PRICIEST), tiny_pool, tiny_world, params).run(job(questions[1]))
    meta = served.metadata
    assert meta["routing_strategy"] == "timeout" and meta["turns_used"] == 1  # one turn ran, the next was cut
    assert meta["model_used"] == PRICIEST and served.text


class FailsOnTurn(Scripted):
    """Calls the model on turn 1, then its 'endpoint' fails (a RoutingError) from turn `turn` on."""

    def __init__(self, model: str, turn: int) -> None:
        super().__init__(model)
        self.turn = turn

    def act(self, obs):
        if obs.turn >= self.turn:
            raise RoutingError("router endpoint http://127.0.0.1:9/v1 refused the connection")
        return CallModels((ModelCall(self.model),))


def test_a_router_failing_mid_episode_returns_the_last_answer(tiny_pool, tiny_world, replay_params,
                                                               questions) -> None:
    served = engine(FailsOnTurn(PRICIEST, 2), tiny_pool, tiny_world, replay_params).run(job(questions[1]))
    assert served.metadata["routing_strategy"] == "last_response" and served.metadata["model_used"] == PRICIEST


def test_a_router_failing_before_any_answer_is_a_router_error(tiny_pool, tiny_world, replay_params,
                                                              questions) -> None:
    with pytest.raises(RouterFailed, match="refused the connection"):
        engine(FailsOnTurn(PRICIEST, 1), tiny_pool, tiny_world, replay_params).run(job(questions[1]))


@pytest.mark.parametrize(("threads", "expected"), [(1, "1"), (None, "2")])
def test_a_serving_process_sets_torch_threads_from_serve_params(threads, expected, tmp_path) -> None:
    """`configure_process` (what service.py and `python -m xrouter.serve` call) sets the process's torch threads;
    None leaves torch's default (2 here, from OMP_NUM_THREADS). In a child process: this one keeps its own."""
    import subprocess
    import sys

    script = ("from xrouter.serve.config import ServeParams, configure_process; import torch\n"
              f"configure_process(ServeParams(torch_threads={threads!r})); print(torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2"}, cwd=tmp_path)
    assert out.stdout.strip() == expected


@pytest.mark.parametrize(("source", "workers", "threads"),
                         [("replay", None, 1), ("demo", None, 2), ("live", None, 4), ("replay", 3, 3)])
def test_the_episode_pool_takes_serve_workers_or_a_size_by_source(source, workers, threads, replay_params,
                                                                   replay_engine, ledger) -> None:
    from xrouter.serve.app import create_app

    params = replay_params.model_copy(update={"source": source, "workers": workers})
    app = create_app(params, engine=replay_engine, ledger=ledger)
    assert params.episode_threads == threads
    assert app.state.serve.pool._max_workers == threads
