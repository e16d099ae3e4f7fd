"""Model pools: composition, prices from the catalog / LiteLLM, tool names."""

from __future__ import annotations

import os

import pytest

from xrouter.pool import PoolError, load_pool, tool_name
from xrouter.pool.pool import TIERS, available_pools


def test_replay_pool_is_the_28_models_that_answer_every_zeroeval_prompt(world) -> None:
    pool = load_pool("zeroeval", world.prices)
    assert sorted(pool.ids) == world.models_covering(source="zeroeval")
    assert len(pool) == 28


def test_llmrouter_pool_is_its_9_scored_models(world) -> None:
    pool = load_pool("llmrouter", world.prices)
    assert sorted(pool.ids) == world.models_covering(source="llmrouter") and len(pool) == 9


def test_replay_prices_come_from_the_catalog(world) -> None:
    pool = load_pool("zeroeval", world.prices)
    catalog = world.prices.set_index("model")
    for m in pool:
        assert m.tier in TIERS
        assert m.input_usd_per_mtok == catalog.loc[m.id, "input_usd_per_mtok"]
        assert m.output_token_multiplier == catalog.loc[m.id, "output_token_multiplier"]
    o1 = pool.get("o1-mini-2024-09-12")
    # 1k in + 1k out with the multiplier on output
    assert o1.cost_usd(1000, 1000) == pytest.approx(
        (1000 * o1.input_usd_per_mtok + 1000 * o1.output_token_multiplier * o1.output_usd_per_mtok) / 1e6
    )


def test_live_pool_is_priced_from_litellm() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # this test's own import: no download
    import litellm

    pool = load_pool("live")
    assert {"gpt-5", "gpt-4.1", "o3", "qwen3-235b", "kimi-k2", "gpt-5-mini", "o4-mini", "gpt-oss-120b",
            "gpt-oss-20b", "gpt-5-nano", "gpt-4.1-nano", "gpt-4.1-mini", "gpt-4o-mini", "deepseek-r1",
            "qwen3-coder-480b"} == set(pool.ids)
    gpt5 = pool.get("gpt-5")
    assert gpt5.input_usd_per_mtok == pytest.approx(litellm.model_cost["gpt-5"]["input_cost_per_token"] * 1e6)
    assert {m.tier for m in pool} == set(TIERS)


def test_tool_names_and_errors(world) -> None:
    assert tool_name("gpt-4.1-mini") == "call_gpt_4_1_mini"
    assert tool_name("Llama-3.1-405B-Inst@sambanova") == "call_Llama_3_1_405B_Inst_sambanova"
    with pytest.raises(PoolError, match="unknown pool 'nope'"):
        load_pool("nope")
    with pytest.raises(PoolError, match="price catalog: pass prices="):
        load_pool("zeroeval")
    with pytest.raises(PoolError, match="'o1-mini-2024-09-12': not in the price catalog"):
        load_pool("zeroeval", world.prices[world.prices["model"] != "o1-mini-2024-09-12"])
    assert set(available_pools()) == {"zeroeval", "llmrouter", "live"}


def test_every_pool_entry_keeps_its_whole_strengths_text_and_unknown_keys_are_refused(world, monkeypatch) -> None:
    pool = load_pool("zeroeval", world.prices)
    assert pool.get("gpt-4o-2024-08-06").strengths == "general reasoning, math, code"

    from xrouter.pool import pool as pool_module

    defs = pool_module._pool_definitions()
    defs["zeroeval"]["models"]["o1-mini-2024-09-12"]["code"] = None  # what `strengths: math, code` unquoted gives
    monkeypatch.setattr(pool_module, "_pool_definitions", lambda: defs)
    with pytest.raises(PoolError, match=r"'o1-mini-2024-09-12': unknown keys \['code'\]"):
        load_pool("zeroeval", world.prices)
