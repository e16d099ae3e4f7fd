"""The content-addressed response cache, in front of a real LiteLLM backend talking to a real HTTP server."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

from fakes.openai_server import Step

from xrouter.backends.litellm_backend import LiteLLMBackend
from xrouter.evaluate.cache import CachingBackend, ResponseCache, cache_key

Q = [{"role": "user", "content": "What is two plus two?"}]


def _backend(server, tmp_path) -> CachingBackend:
    live = LiteLLMBackend(api_base=server.base_url, api_key="k", max_retries=0, rng=random.Random(0),
                          sleep=lambda s: None)
    return CachingBackend(live, ResponseCache(tmp_path / "cache"))


def test_the_same_call_reaches_the_provider_once_across_backends(fake_openai, tmp_path) -> None:
    first = _backend(fake_openai, tmp_path)
    a = first.complete("gpt-4o-mini", Q, temperature=0.0, prompt_id="p1")
    b = first.complete("gpt-4o-mini", Q, temperature=0.0, prompt_id="p2")  # prompt_id is bookkeeping, not content
    again = _backend(fake_openai, tmp_path).complete("gpt-4o-mini", Q, temperature=0.0)  # a later run
    assert fake_openai.hits["gpt-4o-mini"] == 1
    assert (a.cached, b.cached, again.cached) == (False, True, True)
    assert b.text == a.text == again.text and b.cost_usd == a.cost_usd > 0
    assert (first.hits, first.misses) == (1, 1)


def test_any_difference_in_model_messages_or_sampling_is_a_new_call(fake_openai, tmp_path) -> None:
    be = _backend(fake_openai, tmp_path)
    be.complete("gpt-4o-mini", Q, temperature=0.0)
    be.complete("gpt-4o-mini", Q, temperature=0.7)
    be.complete("gpt-4o-mini", [{"role": "user", "content": "What is two plus three?"}], temperature=0.0)
    be.complete("gpt-4.1-nano", Q, temperature=0.0)
    assert be.misses == 4 and be.hits == 0
    assert sum(fake_openai.hits.values()) == 4


def test_concurrent_identical_calls_are_made_once(fake_openai, tmp_path) -> None:
    fake_openai.script("gpt-4o-mini", default=Step(delay_s=0.3))
    be = _backend(fake_openai, tmp_path)
    with ThreadPoolExecutor(max_workers=6) as pool:
        out = list(pool.map(lambda _: be.complete("gpt-4o-mini", Q), range(6)))
    assert fake_openai.hits["gpt-4o-mini"] == 1
    assert sorted(c.cached for c in out) == [False] + [True] * 5


def test_a_corrupt_entry_is_set_aside_and_the_call_made_again(fake_openai, tmp_path) -> None:
    be = _backend(fake_openai, tmp_path)
    be.complete("gpt-4o-mini", Q)
    path = be.cache.path(be.key("gpt-4o-mini", Q, {}))
    path.write_text("{not json")
    c = be.complete("gpt-4o-mini", Q)
    assert not c.cached and fake_openai.hits["gpt-4o-mini"] == 2
    assert path.with_suffix(".corrupt").read_text() == "{not json"
    assert json.loads(path.read_text())["text"] == c.text  # rewritten whole


def test_the_key_is_canonical() -> None:
    k1 = cache_key("b", "m", Q, {"temperature": 0.0, "top_p": 1.0})
    assert k1 == cache_key("b", "m", Q, {"top_p": 1.0, "temperature": 0.0})
    assert k1 != cache_key("other", "m", Q, {"temperature": 0.0, "top_p": 1.0})
    assert len(k1) == 64
