"""LocalBackend and the SmolLM2 loader, with the real 135M model on CPU.

Tests marked slow load the model: the cold GGUF path takes ~30 s, the session fixture `smollm` (tests/conftest.py)
loads from the default cache in < 1 s once that cache exists.
"""

from __future__ import annotations

import time

import pytest
import torch

from xrouter.backends.base import Backend, BackendError
from xrouter.backends.local import LocalBackend
from xrouter.models import smollm as smollm_module
from xrouter.models.smollm import MODEL_NAME, default_cache_dir, ensure_cached, gguf_path, load_smollm

FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


def greedy_ids(model, tokenizer, messages, max_new_tokens=24) -> list[int]:
    prompt = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    with torch.inference_mode():
        out = model.generate(**prompt, max_new_tokens=max_new_tokens, do_sample=False)
    return out[0, prompt["input_ids"].shape[1] :].tolist()


# --- fast: no model loaded ---------------------------------------------------------------------------------


def test_gguf_is_found_in_the_wheel_without_importing_it():
    path = gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000


def test_cache_dir_follows_xrouter_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XROUTER_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "smollm2-135m-instruct"
    monkeypatch.delenv("XROUTER_CACHE")
    assert default_cache_dir().parts[-3:] == (".cache", "xrouter", "smollm2-135m-instruct")


def test_an_incomplete_cache_folder_is_refused_not_loaded(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(RuntimeError, match="not a complete SmolLM2 cache"):
        ensure_cached(tmp_path)


def test_wrong_model_and_unknown_params_raise_before_loading():
    backend = LocalBackend(model_dir="/nonexistent")  # loading is lazy: these checks come first
    assert isinstance(backend, Backend) and backend.name == "local"
    with pytest.raises(BackendError, match="serves only 'smollm2-135m-instruct'"):
        backend.complete("gpt-4o", FRANCE)
    with pytest.raises(BackendError, match=r"unsupported params \['stop'\]"):
        backend.complete(MODEL_NAME, FRANCE, stop=["\n"])


@pytest.mark.parametrize(
    "kwargs", [{"max_new_tokens": 0}, {"price_per_mtok": (1.0,)}, {"price_per_mtok": (-1, 0)}]
)
def test_invalid_configuration_is_rejected(kwargs):
    with pytest.raises(ValueError):
        LocalBackend(**kwargs)


# --- slow: the real model ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_gguf_load_answers_and_cached_reload_is_fast_and_identical(smollm_gguf, tmp_path):
    model, tokenizer = smollm_gguf
    ids = greedy_ids(model, tokenizer, FRANCE)
    assert tokenizer.decode(ids, skip_special_tokens=True).strip()

    target = smollm_module.write_cache(model, tokenizer, tmp_path / MODEL_NAME)
    smollm_module.write_cache(model, tokenizer, target)  # a process that lost the race: keeps the first copy
    assert [p.name for p in tmp_path.iterdir()] == [MODEL_NAME]  # no staging folder left behind

    start = time.perf_counter()
    cached = load_smollm(target)
    assert time.perf_counter() - start < 5.0  # ~0.4 s measured; generous for a loaded CI machine
    assert greedy_ids(cached.model, cached.tokenizer, FRANCE) == ids
    assert cached.tokenizer.chat_template == tokenizer.chat_template


@pytest.mark.slow
def test_greedy_completion_answers_a_real_chat(smollm):
    backend = LocalBackend(smollm=smollm)

    first = backend.complete(MODEL_NAME, FRANCE)
    second = backend.complete(MODEL_NAME, FRANCE, temperature=0)

    assert "Paris" in first.text
    assert (first.text, first.extra["token_ids"]) == (second.text, second.extra["token_ids"])
    assert first.model == MODEL_NAME and first.backend == "local"
    assert first.cost_usd == 0.0 and first.latency_s > 0 and first.extra["finish_reason"] == "stop"


@pytest.mark.slow
def test_token_counts_are_the_tokenizers(smollm):
    tokenizer = smollm.tokenizer
    out = LocalBackend(smollm=smollm).complete(MODEL_NAME, FRANCE)

    prompt_ids = tokenizer.apply_chat_template(FRANCE, add_generation_prompt=True, return_dict=True)[
        "input_ids"
    ]
    assert out.input_tokens == len(prompt_ids)  # includes the default system message the template adds
    ids = out.extra["token_ids"]
    assert out.output_tokens == len(ids) and ids[-1] == tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert tokenizer.encode(out.text, add_special_tokens=False) == ids[:-1]


@pytest.mark.slow
def test_max_tokens_truncates_and_price_is_applied(smollm):
    backend = LocalBackend(smollm=smollm, price_per_mtok=(1.0, 4.0))

    out = backend.complete(
        MODEL_NAME, [{"role": "user", "content": "Write a long poem about the sea."}], max_tokens=5
    )

    assert out.output_tokens == 5 and out.extra["finish_reason"] == "length"
    assert out.cost_usd == pytest.approx((out.input_tokens * 1.0 + 5 * 4.0) / 1e6)


@pytest.mark.slow
def test_sampling_is_seeded_and_leaves_the_global_rng_alone(smollm):
    backend = LocalBackend(smollm=smollm, max_new_tokens=12)
    rng_before = torch.get_rng_state()

    runs = [
        backend.complete(MODEL_NAME, FRANCE, temperature=1.0, seed=3).extra["token_ids"] for _ in range(2)
    ]

    assert runs[0] == runs[1]
    assert torch.equal(torch.get_rng_state(), rng_before)
