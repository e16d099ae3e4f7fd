"""The price catalog: input/output USD per million tokens for every model in the outcome data, with provenance.

`price_sources.yaml` (next to this file) names, per model, where its price comes from: a key of LiteLLM's
bundled cost map, of the bundle's RouterArena or LLMRouter price files, or a documented assumption with its
evidence. `build_price_catalog` resolves every requested model through its source at run time (no number
from LiteLLM or the bundle is copied into this repository) and returns the `PRICE_COLUMNS` table.
`call_cost_usd` prices one call, billing output tokens times the model's `output_token_multiplier` (o1
models' hidden reasoning tokens). docs/prices.md explains every choice; `python -m xrouter.data.prices
BUNDLE` prints its table.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from xrouter.data.bundle import (
    LLMROUTER_MODELS,
    LLMROUTER_TRAIN,
    ROUTERARENA_COST,
    ZEROEVAL_OUTCOMES,
    BundleError,
    bundle_file,
    read_json,
    require,
)
from xrouter.data.schema import PRICE_COLUMNS

DEFAULT_SOURCES_PATH = Path(__file__).with_name("price_sources.yaml")
LITELLM_COST_MAP_FILE = "model_prices_and_context_window_backup.json"  # inside the litellm package
SOURCES: tuple[str, ...] = ("litellm", "routerarena", "llmrouter", "assumption")
# source -> (file inside the bundle, field holding input USD/Mtok, field holding output USD/Mtok)
_BUNDLE_SOURCES: dict[str, tuple[str, str, str]] = {
    "routerarena": (ROUTERARENA_COST, "input_token_price_per_million", "output_token_price_per_million"),
    "llmrouter": (LLMROUTER_MODELS, "input_price", "output_price"),
}
# The row of a model that cannot be priced, when the catalog is built with strict=False.
_UNPRICED: dict[str, Any] = {
    "input_usd_per_mtok": math.nan,
    "output_usd_per_mtok": math.nan,
    "output_token_multiplier": math.nan,
    "source": "unpriced",
    "source_key": "",
}


class PriceCatalogError(ValueError):
    """One or more models cannot be priced; the message names each model and what is wrong."""


def load_price_sources(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The `models` mapping of the sources file: model name -> its entry."""
    path = Path(path or DEFAULT_SOURCES_PATH)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PriceCatalogError(f"{path}: cannot read price sources: {err}") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise PriceCatalogError(f"{path}: expected a mapping with a 'models' mapping")
    extra = set(doc) - {"models", "shared_evidence"}
    if extra:
        raise PriceCatalogError(f"{path}: unknown top-level key(s) {sorted(extra)}")
    return doc["models"]


@functools.cache
def litellm_cost_map() -> Mapping[str, Mapping[str, Any]]:
    """LiteLLM's cost map as bundled with the pinned LiteLLM release — the one reader of it in xrouter (the
    price catalog and the live pool). Read from the package's own JSON file, never the network copy LiteLLM
    would fetch at import, and without importing LiteLLM or touching the environment."""
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.find_spec("litellm")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise BundleError("LiteLLM is not installed: its bundled cost map prices the 'litellm' sources")
    path = Path(list(spec.submodule_search_locations)[0]) / LITELLM_COST_MAP_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise BundleError(f"LiteLLM's bundled cost map {path}: unreadable ({err})") from err


def _usd_pair(source: str, key: str, bundle: Path) -> tuple[Any, Any] | str:
    """(input, output) USD per million tokens for `key` in a non-assumption source, or why there is none."""
    if source == "litellm":
        info = litellm_cost_map().get(key)
        if info is None:
            return f"key '{key}' is not in LiteLLM's cost map"
        pin, pout = info.get("input_cost_per_token"), info.get("output_cost_per_token")
        if pin is None or pout is None:
            return f"LiteLLM's entry '{key}' has no input/output cost per token"
        return round(pin * 1e6, 9), round(pout * 1e6, 9)  # per token -> per million, minus float noise
    relative, fin, fout = _BUNDLE_SOURCES[source]
    try:
        table = read_json(bundle_file(bundle, relative))
    except BundleError as err:
        return str(err)
    if key not in table:
        return f"key '{key}' is not in {Path(bundle) / relative}"
    if fin not in table[key] or fout not in table[key]:
        return f"{Path(bundle) / relative}: entry '{key}' lacks '{fin}' or '{fout}'"
    return table[key][fin], table[key][fout]


def _valid_number(value: Any, minimum: float) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= minimum
    )


def _resolve(model: str, entry: Any, bundle: Path) -> dict[str, Any] | tuple[dict[str, Any], str] | str:
    """The catalog row of one model; or (row, problem) when its numbers are out of range; or a message saying
    why it cannot be priced at all."""
    if not isinstance(entry, dict):
        return f"'{model}': entry must be a mapping"
    source = entry.get("source")
    if source not in SOURCES:
        return f"'{model}': source must be one of {SOURCES}, got {source!r}"
    if source == "assumption":
        if not str(entry.get("evidence") or "").strip():
            return f"'{model}': an assumption needs 'evidence' (public source, date, why it fits)"
        pair: tuple[Any, Any] | str = (entry.get("input_usd_per_mtok"), entry.get("output_usd_per_mtok"))
        key = ""
    else:
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            return f"'{model}': source '{source}' needs a 'key'"
        pair = _usd_pair(source, key, bundle)
    if isinstance(pair, str):
        return f"'{model}': {pair}"
    if not all(_valid_number(p, -math.inf) for p in pair):
        return f"'{model}': prices must be finite and non-negative, got {pair}"
    mult = entry.get("output_token_multiplier", 1.0)
    if not _valid_number(mult, 1.0):
        return f"'{model}': output_token_multiplier must be a finite number >= 1, got {mult!r}"
    if mult != 1.0 and not str(entry.get("multiplier_evidence") or "").strip():
        return f"'{model}': output_token_multiplier {mult} needs 'multiplier_evidence'"
    row = {
        "model": model,
        "input_usd_per_mtok": float(pair[0]),
        "output_usd_per_mtok": float(pair[1]),
        "output_token_multiplier": float(mult),
        "source": source,
        "source_key": key,
        "note": str(entry.get("note") or "").strip(),
    }
    if not all(_valid_number(p, 0.0) for p in pair):
        # kept in the row (non-strict catalogs) so that `validate` shows the offending value
        return row, f"'{model}': prices must be finite and non-negative, got {pair}"
    return row


def build_price_catalog(
    bundle: Path, models: Iterable[str], sources_path: Path | None = None, *, strict: bool = True
) -> pd.DataFrame:
    """One `PRICE_COLUMNS` row per distinct model, sorted by name.

    Raises `PriceCatalogError` naming every model with no entry, an unknown source or key, or an invalid price.
    With `strict=False` such models get a row with NaN prices and the problem in `note` (for `validate`).
    """
    sources = load_price_sources(sources_path)
    rows, problems = [], []
    for model in sorted(set(models)):
        if model not in sources:
            row: dict[str, Any] | str = f"'{model}': no entry in {sources_path or DEFAULT_SOURCES_PATH}"
        else:
            row = _resolve(model, sources[model], Path(bundle))
        if isinstance(row, tuple):  # a complete row whose values are invalid
            row, problem = row
            problems.append(problem)
            row["note"] = problem
        elif isinstance(row, str):
            problems.append(row)
            row = {"model": model, **_UNPRICED, "note": row}
        rows.append(row)
    if problems and strict:
        raise PriceCatalogError(f"{len(problems)} model(s) cannot be priced:\n  " + "\n  ".join(problems))
    return pd.DataFrame(rows, columns=list(PRICE_COLUMNS))


def token_cost_usd(input_usd_per_mtok, output_usd_per_mtok, output_token_multiplier, input_tokens, output_tokens):
    """THE call-cost formula, the only one in xrouter (the catalog's outcome costs, the pool's prices, the live
    backend's overrides and serving's worst-case checks all go through it):

        USD = (input_tokens × input price + output_tokens × multiplier × output price) / 10⁶

    prices in USD per million tokens; the multiplier bills hidden reasoning tokens (o1 models; 1 elsewhere).
    Scalars or aligned arrays/Series; negative token counts are refused."""
    i, o = np.asarray(input_tokens, dtype=float), np.asarray(output_tokens, dtype=float)
    if np.any(i < 0) or np.any(o < 0):
        raise ValueError(f"token counts must be non-negative, got input={input_tokens}, output={output_tokens}")
    usd = (input_tokens * input_usd_per_mtok + output_tokens * output_token_multiplier * output_usd_per_mtok) / 1e6
    return float(usd) if np.ndim(usd) == 0 else usd


def call_cost_usd(prices: Mapping[str, Any] | pd.Series, input_tokens: float, output_tokens: float) -> float:
    """USD of one call for a price-catalog row (`token_cost_usd` with its three price columns)."""
    return token_cost_usd(float(prices["input_usd_per_mtok"]), float(prices["output_usd_per_mtok"]),
                          float(prices["output_token_multiplier"]), input_tokens, output_tokens)


def bundle_models(bundle: Path) -> list[str]:
    """Every model with outcomes in the bundle: ZeroEval's `model` column and LLMRouter's `scores` keys."""
    zeroeval = pd.read_csv(bundle_file(bundle, ZEROEVAL_OUTCOMES), usecols=["model"])["model"]
    path = bundle_file(bundle, LLMROUTER_TRAIN)
    llmrouter = {m for i, rec in enumerate(read_json(path)) for m in require(rec, "scores", f"{path}[{i}]")}
    return sorted(set(zeroeval) | llmrouter)


def markdown_table(catalog: pd.DataFrame) -> str:
    """The catalog as the Markdown table of docs/prices.md."""
    lines = [
        "| model | input $/Mtok | output $/Mtok | output x | source | key |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in catalog.itertuples(index=False):
        key = f"`{r.source_key}`" if r.source_key else ""
        lines.append(
            f"| {r.model} | {r.input_usd_per_mtok:g} | {r.output_usd_per_mtok:g} | "
            f"{r.output_token_multiplier:g} | {r.source} | {key} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """`python -m xrouter.data.prices BUNDLE`: print the docs table for every model of the bundle."""
    if len(argv) != 1:
        raise SystemExit("usage: python -m xrouter.data.prices BUNDLE")
    print(markdown_table(build_price_catalog(Path(argv[0]), bundle_models(Path(argv[0])))))


if __name__ == "__main__":
    main(sys.argv[1:])
