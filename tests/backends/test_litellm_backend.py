"""LiteLLMBackend against a real OpenAI-compatible HTTP server on 127.0.0.1 (tests/fakes/openai_server.py).

The fake server bills one prompt token per word of the messages and one completion token per word of the
reply, which it makes "echo: <last message>". So for QUESTION below: 5 prompt tokens, 6 completion tokens.
"""

from __future__ import annotations

import random
import socket
import time

import pytest
from fakes.openai_server import FakeOpenAIServer, Step

from xrouter.backends.base import Backend, BackendError
from xrouter.backends.litellm_backend import LiteLLMBackend

QUESTION = [{"role": "user", "content": "What is two plus two?"}]
PROMPT_TOKENS, COMPLETION_TOKENS = 5, 6
# gpt-4o-mini in LiteLLM's bundled price map: $0.15 / $0.60 per million input / output tokens.
GPT_4O_MINI_COST = (5 * 0.15 + 6 * 0.60) / 1e6


def make_backend(server: FakeOpenAIServer, sleeps: list[float], **kwargs) -> LiteLLMBackend:
    options = {
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_s": 0.5,
        "api_base": server.base_url,
        "api_key": "k",
    }
    options.update(kwargs)
    return LiteLLMBackend(**options, rng=random.Random(0), sleep=sleeps.append)


def test_plain_completion_has_text_tokens_and_litellm_price(fake_openai):
    backend = make_backend(fake_openai, sleeps := [])

    started = time.perf_counter()
    out = backend.complete("openai/gpt-4o-mini", QUESTION, temperature=0.0, max_tokens=32)
    wall = time.perf_counter() - started

    assert isinstance(backend, Backend)
    assert out.text == "echo: What is two plus two?"
    assert (out.input_tokens, out.output_tokens) == (PROMPT_TOKENS, COMPLETION_TOKENS)
    assert out.cost_usd == pytest.approx(GPT_4O_MINI_COST, rel=1e-9)
    assert out.model == "openai/gpt-4o-mini" and out.backend == "litellm"
    assert 0 < out.latency_s <= wall and not out.tokens_estimated  # the call's own time, not a guess
    assert out.extra["attempts"] == 1 and out.extra["finish_reason"] == "stop"
    assert fake_openai.hits == {"gpt-4o-mini": 1} and sleeps == []
    body = fake_openai.requests[0]
    assert body["messages"] == QUESTION and body["temperature"] == 0.0 and body["max_tokens"] == 32


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_errors_are_retried_with_growing_backoff(fake_openai, status):
    fake_openai.script("flaky", Step(status=status), Step(status=status))
    backend = make_backend(fake_openai, sleeps := [], price_overrides={"openai/flaky": (1.0, 1.0)})

    out = backend.complete("openai/flaky", QUESTION)

    assert out.text == "echo: What is two plus two?" and out.extra["attempts"] == 3
    assert fake_openai.hits["flaky"] == 3
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # 0.5 * 2**k, jitter in [0.5, 1]


def test_client_error_is_not_retried(fake_openai):
    fake_openai.script("bad", default=Step(status=400))
    backend = make_backend(fake_openai, sleeps := [], price_overrides={"openai/bad": (1.0, 1.0)})

    with pytest.raises(BackendError, match=r"'openai/bad'.*BadRequestError.*scripted failure 400"):
        backend.complete("openai/bad", QUESTION)

    assert fake_openai.hits == {"bad": 1} and sleeps == []


def test_timeouts_are_retried_then_the_fallback_answers(fake_openai):
    fake_openai.script("slow", default=Step(delay_s=3.0))
    backend = make_backend(
        fake_openai,
        sleeps := [],
        timeout_s=0.3,
        max_retries=1,
        fallbacks={"openai/slow": ["openai/gpt-4o-mini"]},
        price_overrides={"openai/slow": (1.0, 1.0)},
    )

    out = backend.complete("openai/slow", QUESTION)

    assert fake_openai.hits == {"slow": 2, "gpt-4o-mini": 1}
    assert out.model == "openai/gpt-4o-mini" and out.extra["requested_model"] == "openai/slow"
    assert out.extra["attempts"] == 3 and len(sleeps) == 1
    assert out.cost_usd == pytest.approx(GPT_4O_MINI_COST, rel=1e-9)  # billed at the fallback's price
    assert out.latency_s >= 0.6  # two timed-out attempts are part of what the caller waited


def test_all_attempts_failing_raises_naming_the_model_and_last_error(fake_openai):
    fake_openai.script("primary", default=Step(status=500))
    fake_openai.script("backup", default=Step(status=503))
    prices = {"openai/primary": (1.0, 1.0), "openai/backup": (1.0, 1.0)}
    backend = make_backend(
        fake_openai,
        [],
        max_retries=1,
        fallbacks={"openai/primary": ["openai/backup"]},
        price_overrides=prices,
    )

    with pytest.raises(BackendError, match=r"'openai/primary' failed after 4 attempt.*scripted failure 503"):
        backend.complete("openai/primary", QUESTION)

    assert fake_openai.hits == {"primary": 2, "backup": 2}


def test_connection_errors_are_retried():
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = LiteLLMBackend(
        timeout_s=2.0,
        max_retries=2,
        api_base=f"http://127.0.0.1:{port}/v1",
        api_key="sk-test",
        rng=random.Random(0),
        sleep=(sleeps := []).append,
    )

    with pytest.raises(BackendError, match=r"'openai/gpt-4o-mini' failed after 3 attempt"):
        backend.complete("openai/gpt-4o-mini", QUESTION)

    assert len(sleeps) == 2


def test_unpriced_model_raises_before_any_call(fake_openai):
    backend = make_backend(fake_openai, [])

    with pytest.raises(BackendError, match=r"no price for model 'openai/mystery-model'.*price_overrides"):
        backend.complete("openai/mystery-model", QUESTION)

    assert fake_openai.hits == {}  # nothing was sent, so nothing was billed at a silent $0


def test_unpriced_fallback_raises_before_any_call(fake_openai):
    backend = make_backend(fake_openai, [], fallbacks={"openai/gpt-4o-mini": ["openai/mystery-model"]})

    with pytest.raises(BackendError, match="openai/mystery-model"):
        backend.complete("openai/gpt-4o-mini", QUESTION)

    assert fake_openai.hits == {}


def test_price_override_prices_an_unknown_model(fake_openai):
    backend = make_backend(fake_openai, [], price_overrides={"openai/mystery-model": (2.0, 8.0)})

    out = backend.complete("openai/mystery-model", QUESTION)

    assert out.cost_usd == pytest.approx((5 * 2.0 + 6 * 8.0) / 1e6, rel=1e-9)


def test_price_override_wins_over_litellm_price(fake_openai):
    backend = make_backend(fake_openai, [], price_overrides={"openai/gpt-4o-mini": (10.0, 20.0)})

    out = backend.complete("openai/gpt-4o-mini", QUESTION)

    assert out.cost_usd == pytest.approx((5 * 10.0 + 6 * 20.0) / 1e6, rel=1e-9)


def test_backoff_is_exponential_capped_and_seeded():
    def delays(seed: int) -> list[float]:
        backend = LiteLLMBackend(backoff_s=1.0, max_backoff_s=5.0, rng=random.Random(seed))
        return [backend.backoff_delay(k) for k in range(5)]

    first = delays(7)
    assert first == delays(7)
    for k, delay in enumerate(first):
        nominal = min(5.0, 2.0**k)
        assert 0.5 * nominal <= delay <= nominal


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout_s": 0},
        {"max_retries": -1},
        {"price_overrides": {"m": (1.0,)}},
        {"price_overrides": {"m": (-1, 1)}},
    ],
)
def test_invalid_configuration_is_rejected(kwargs):
    with pytest.raises(ValueError):
        LiteLLMBackend(**kwargs)


def test_importing_the_backend_and_the_price_catalog_changes_nothing() -> None:
    """No side effects at import: the environment is untouched and LiteLLM is not even imported until a call
    needs it; reading prices does not import it either (the bundled map is read as a file)."""
    import subprocess
    import sys

    code = ("import os, sys; before = dict(os.environ); "
            "import xrouter.backends.litellm_backend, xrouter.data.prices as p; "
            "assert p.litellm_cost_map()['gpt-4o-mini']['input_cost_per_token'] > 0; "
            "assert dict(os.environ) == before, 'environment changed'; "
            "assert 'litellm' not in sys.modules, 'litellm imported'")
    env = {k: v for k, v in __import__("os").environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
