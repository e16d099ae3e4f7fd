"""Price catalog: the real bundle (read in place, path from params.yaml), LiteLLM's bundled cost map, and small
hand-written sources files that break one rule each.

The real catalog is built once per module (importing LiteLLM takes a few seconds).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from xrouter.config import load_params
from xrouter.data.prices import (
    DEFAULT_SOURCES_PATH,
    SOURCES,
    PriceCatalogError,
    build_price_catalog,
    bundle_models,
    call_cost_usd,
    litellm_cost_map,
    load_price_sources,
    markdown_table,
)
from xrouter.data.schema import PRICE_COLUMNS

REPO = Path(__file__).resolve().parents[2]
BUNDLE = load_params(REPO / "params.yaml").data.bundle
pytestmark = pytest.mark.skipif(
    not (BUNDLE / "outcomes").is_dir(), reason=f"data bundle not found at {BUNDLE}"
)
O1_MODELS = {"o1-mini-2024-09-12", "o1-preview-2024-09-12"}


@pytest.fixture(scope="module")
def models() -> list[str]:
    return bundle_models(BUNDLE)


@pytest.fixture(scope="module")
def catalog(models: list[str]) -> pd.DataFrame:
    return build_price_catalog(BUNDLE, models)


def write_sources(tmp_path: Path, entries: dict) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"models": entries}), encoding="utf-8")
    return path


def test_bundle_models_are_the_zeroeval_and_llmrouter_models(models: list[str]) -> None:
    zeroeval = set(
        pd.read_csv(BUNDLE / "outcomes/zeroeval/zeroeval_outcomes.csv.gz", usecols=["model"])["model"]
    )
    train = json.loads((BUNDLE / "outcomes/llmrouter/train.json").read_text())
    llmrouter = {m for rec in train for m in rec["scores"]}
    assert (len(zeroeval), len(llmrouter)) == (60, 9)
    assert set(models) == zeroeval | llmrouter


def test_every_bundle_model_is_priced(catalog: pd.DataFrame, models: list[str]) -> None:
    assert list(catalog.columns) == list(PRICE_COLUMNS)
    assert sorted(catalog["model"]) == sorted(models)
    assert catalog["model"].is_unique
    assert set(catalog["source"]) <= set(SOURCES)
    assert (
        catalog[["input_usd_per_mtok", "output_usd_per_mtok", "output_token_multiplier"]].notna().all().all()
    )


def test_prices_are_finite_and_non_negative(catalog: pd.DataFrame) -> None:
    for col in ("input_usd_per_mtok", "output_usd_per_mtok"):
        assert all(math.isfinite(v) and v >= 0 for v in catalog[col]), col


def test_only_o1_models_have_an_output_multiplier(catalog: pd.DataFrame) -> None:
    multiplied = catalog.loc[catalog["output_token_multiplier"] != 1.0, "model"]
    assert set(multiplied) == O1_MODELS
    assert (catalog["output_token_multiplier"] >= 1.0).all()


def test_every_sources_entry_resolves_including_unscored_llmrouter_models() -> None:
    every = load_price_sources()
    full = build_price_catalog(BUNDLE, every)
    assert len(full) == len(every) == 73


def test_assumptions_state_price_source_and_date() -> None:
    for model, entry in load_price_sources().items():
        if entry["source"] == "assumption":
            assert re.search(r"\b20\d\d-\d\d", entry["evidence"]), f"{model}: evidence names no date"
            assert {"input_usd_per_mtok", "output_usd_per_mtok"} <= set(entry), model
        else:
            assert "key" in entry and "input_usd_per_mtok" not in entry, model


def test_litellm_prices_equal_the_bundled_cost_map(catalog: pd.DataFrame) -> None:
    cost_map = litellm_cost_map()  # LiteLLM's bundled JSON file, read without importing LiteLLM
    row = catalog.set_index("model").loc["gpt-4o-mini-2024-07-18"]
    assert (row["source"], row["source_key"]) == ("litellm", "gpt-4o-mini-2024-07-18")
    assert row["input_usd_per_mtok"] == pytest.approx(
        cost_map["gpt-4o-mini-2024-07-18"]["input_cost_per_token"] * 1e6
    )
    assert row["output_usd_per_mtok"] == pytest.approx(
        cost_map["gpt-4o-mini-2024-07-18"]["output_cost_per_token"] * 1e6
    )
    for r in catalog[catalog["source"] == "litellm"].itertuples():
        entry = cost_map[r.source_key]
        assert r.output_usd_per_mtok == pytest.approx(entry["output_cost_per_token"] * 1e6), r.model


def test_llmrouter_prices_equal_default_llm_json(catalog: pd.DataFrame) -> None:
    upstream = json.loads((BUNDLE / "outcomes/llmrouter/default_llm.json").read_text())
    rows = catalog[catalog["source"] == "llmrouter"].set_index("model")
    assert {"qwen2.5-7b-instruct", "llama3-chatqa-1.5-70b"} <= set(rows.index)
    for model, row in rows.iterrows():
        assert (row["input_usd_per_mtok"], row["output_usd_per_mtok"]) == (
            upstream[row["source_key"]]["input_price"],
            upstream[row["source_key"]]["output_price"],
        ), model


def test_routerarena_source_reads_cost_json(tmp_path: Path) -> None:
    upstream = json.loads((BUNDLE / "prices/routerarena/cost.json").read_text())["gpt-4o"]
    sources = write_sources(tmp_path, {"m": {"source": "routerarena", "key": "gpt-4o"}})
    row = build_price_catalog(BUNDLE, ["m"], sources).iloc[0]
    assert (row["input_usd_per_mtok"], row["output_usd_per_mtok"]) == (
        upstream["input_token_price_per_million"],
        upstream["output_token_price_per_million"],
    )
    assert (row["source"], row["source_key"], row["output_token_multiplier"]) == (
        "routerarena",
        "gpt-4o",
        1.0,
    )


def test_model_without_entry_raises_naming_it() -> None:
    with pytest.raises(PriceCatalogError, match="'no-such-model': no entry"):
        build_price_catalog(BUNDLE, ["gpt-4o-mini-2024-07-18", "no-such-model"])


def test_missing_source_keys_are_all_named(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path,
        {
            "a": {"source": "litellm", "key": "no-such-litellm-key"},
            "b": {"source": "routerarena", "key": "no-such-arena-key"},
            "c": {"source": "llmrouter", "key": "no-such-llmrouter-key"},
        },
    )
    with pytest.raises(PriceCatalogError) as err:
        build_price_catalog(BUNDLE, ["a", "b", "c"], sources)
    for text in ("'a'", "no-such-litellm-key", "'b'", "no-such-arena-key", "'c'", "no-such-llmrouter-key"):
        assert text in str(err.value)


@pytest.mark.parametrize("bad", [-0.5, float("nan"), float("inf"), "cheap", None])
def test_invalid_assumed_price_raises_naming_the_model(tmp_path: Path, bad: object) -> None:
    entry = {
        "source": "assumption",
        "input_usd_per_mtok": 1.0,
        "output_usd_per_mtok": bad,
        "evidence": "x 2024-01",
    }
    with pytest.raises(PriceCatalogError, match="'odd-model': prices must be finite and non-negative"):
        build_price_catalog(BUNDLE, ["odd-model"], write_sources(tmp_path, {"odd-model": entry}))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"source": "assumption", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}, "needs 'evidence'"),
        (
            {"source": "litellm", "key": "gpt-4o", "output_token_multiplier": 3.0},
            "needs 'multiplier_evidence'",
        ),
        (
            {
                "source": "litellm",
                "key": "gpt-4o",
                "output_token_multiplier": 0.5,
                "multiplier_evidence": "x",
            },
            "must be a finite number >= 1",
        ),
        ({"source": "litellm"}, "needs a 'key'"),
        ({"source": "openrouter", "key": "x"}, "source must be one of"),
    ],
)
def test_incomplete_entries_raise_saying_what_is_missing(tmp_path: Path, entry: dict, message: str) -> None:
    with pytest.raises(PriceCatalogError, match=re.escape(message)):
        build_price_catalog(BUNDLE, ["m"], write_sources(tmp_path, {"m": entry}))


def test_non_strict_keeps_unpriced_models_as_nan_rows_with_the_problem() -> None:
    out = build_price_catalog(BUNDLE, ["gpt-4o-mini-2024-07-18", "no-such-model"], strict=False).set_index(
        "model"
    )
    assert math.isnan(out.loc["no-such-model", "input_usd_per_mtok"])
    assert out.loc["no-such-model", "source"] == "unpriced"
    assert "no entry" in out.loc["no-such-model", "note"]
    assert out.loc["gpt-4o-mini-2024-07-18", "input_usd_per_mtok"] == pytest.approx(0.15)


def test_call_cost_hand_computed_cases(catalog: pd.DataFrame) -> None:
    plain = {"input_usd_per_mtok": 2.5, "output_usd_per_mtok": 10.0, "output_token_multiplier": 1.0}
    assert call_cost_usd(plain, 1000, 500) == pytest.approx((1000 * 2.5 + 500 * 10.0) / 1e6)  # 0.0075
    assert call_cost_usd(plain, 0, 0) == 0.0
    o1_mini = catalog.set_index("model").loc["o1-mini-2024-09-12"]  # a pandas row works too
    # 1000 in at $1.10/M + 100 visible out billed as 732 tokens at $4.40/M = 0.0011 + 0.0032208
    assert call_cost_usd(o1_mini, 1000, 100) == pytest.approx(0.0043208)
    assert call_cost_usd(o1_mini, 0, 100) == pytest.approx(
        7.32 * call_cost_usd({**o1_mini, "output_token_multiplier": 1}, 0, 100)
    )


def test_call_cost_rejects_negative_tokens() -> None:
    prices = {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 1.0, "output_token_multiplier": 1.0}
    with pytest.raises(ValueError, match="non-negative"):
        call_cost_usd(prices, -1, 10)


def test_docs_table_matches_the_code(catalog: pd.DataFrame) -> None:
    docs = (REPO / "docs/prices.md").read_text(encoding="utf-8")
    assert markdown_table(catalog) in docs, "regenerate: python -m xrouter.data.prices ../shared/data"


def test_sources_file_rejects_unknown_top_level_keys(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"models": {}, "model": {}}), encoding="utf-8")
    with pytest.raises(PriceCatalogError, match="unknown top-level key"):
        load_price_sources(path)
    assert DEFAULT_SOURCES_PATH.is_file()
