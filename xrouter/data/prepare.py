"""Build every prepared table from a bundle (the `prepare` stage's worker) and read them back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xrouter.data.benchmarks import load_benchmarks
from xrouter.data.config import PrepareParams
from xrouter.data.outcomes import attach_costs, load_outcomes, load_replay_prompts, load_zeroeval_responses
from xrouter.data.prices import build_price_catalog
from xrouter.data.splits import make_splits

# table name -> file name inside the prepared data folder
TABLE_FILES: dict[str, str] = {
    "benchmarks": "benchmarks.parquet",
    "prompts": "prompts.parquet",
    "outcomes": "outcomes.parquet",
    "responses": "responses.parquet",
    "prices": "prices.parquet",
    "splits": "splits.parquet",
}


def prepare_tables(bundle: Path, p: PrepareParams) -> dict[str, pd.DataFrame]:
    """All prepared tables of one bundle, in memory. Data problems are left for `validate` to name."""
    outcomes = load_outcomes(bundle, p.chars_per_token, p.llmrouter_assumed_output_tokens,
                             p.llmrouter_correct_min_score)
    prices = build_price_catalog(bundle, sorted(outcomes["model"].unique()), strict=False)
    prompts = load_replay_prompts(bundle)
    return {
        "benchmarks": load_benchmarks(bundle),
        "prompts": prompts,
        "outcomes": attach_costs(outcomes, prices),
        "responses": load_zeroeval_responses(bundle),
        "prices": prices,
        "splits": make_splits(prompts, p.split_fractions, p.seed),
    }


def write_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(out_dir / TABLE_FILES[name], index=False)


def read_tables(data_dir: Path, names: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Read prepared tables back; a missing file says which stage produces it."""
    out = {}
    for name in names or tuple(TABLE_FILES):
        path = Path(data_dir) / TABLE_FILES[name]
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; run the 'prepare' stage (dvc repro prepare)")
        out[name] = pd.read_parquet(path)
    return out
