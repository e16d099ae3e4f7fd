"""Train / val / test splits of the replay prompts, stratified by (source, task) and seeded.

Within each stratum the prompt ids are sorted (so the result does not depend on input order), shuffled with
a generator seeded from `seed` and the stratum's name, and cut at the cumulative fractions. Every prompt
lands in exactly one split.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from xrouter.data.schema import SPLIT_COLUMNS

SPLITS = ("train", "val", "test")
POOL_SOURCE = {"zeroeval": "zeroeval", "llmrouter": "llmrouter"}  # the replay source whose prompts a pool answers


def split_ids(data_dir: Path, split: str, pool_name: str) -> list[str]:
    """Sorted prompt ids of one split of a prepared data folder, for the replay source a pool answers."""
    from xrouter.data.prepare import read_tables  # noqa: PLC0415 (prepare imports this module)

    if pool_name not in POOL_SOURCE:
        raise ValueError(f"pool {pool_name!r} answers no replay source; known: {sorted(POOL_SOURCE)}")
    splits = read_tables(data_dir, ("splits",))["splits"]
    return sorted(splits.loc[(splits["split"] == split) & (splits["source"] == POOL_SOURCE[pool_name]), "prompt_id"])


def _stratum_seed(seed: int, stratum: str) -> int:
    digest = hashlib.sha256(f"{seed}:{stratum}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _cut_sizes(n: int, fractions: dict[str, float]) -> list[int]:
    """Sizes per split summing to n, by largest remainder so no stratum loses an item to rounding."""
    raw = [n * fractions[s] for s in SPLITS]
    sizes = [int(np.floor(r)) for r in raw]
    for i in sorted(range(len(SPLITS)), key=lambda i: raw[i] - sizes[i], reverse=True)[: n - sum(sizes)]:
        sizes[i] += 1
    return sizes


def make_splits(prompts: pd.DataFrame, fractions: dict[str, float], seed: int) -> pd.DataFrame:
    """One row per prompt with its split; `prompts` needs prompt_id, source, task."""
    if prompts["prompt_id"].duplicated().any():
        dup = prompts.loc[prompts["prompt_id"].duplicated(), "prompt_id"].head(3).tolist()
        raise ValueError(f"prompt ids must be unique before splitting; duplicates: {dup}")
    parts = []
    for (source, task), group in prompts.groupby(["source", "task"], sort=True):
        ids = np.sort(group["prompt_id"].to_numpy())
        rng = np.random.default_rng(_stratum_seed(seed, f"{source}/{task}"))
        ids = ids[rng.permutation(len(ids))]
        labels = np.repeat(SPLITS, _cut_sizes(len(ids), fractions))
        parts.append(pd.DataFrame({"prompt_id": ids, "source": source, "task": task, "split": labels}))
    return pd.concat(parts, ignore_index=True)[list(SPLIT_COLUMNS)]
