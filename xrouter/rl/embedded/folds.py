"""Task-stratified, seeded k-fold assignment: the one fold rule of cross-validation (`selection.py`) and of
cross-fitting the correctness verifier (`verifier.py`)."""

from __future__ import annotations

import numpy as np


def fold_of(tasks: list[str], folds: int, seed: int) -> np.ndarray:
    """[N] fold index per prompt: within each task the prompts are shuffled (seeded) and dealt round-robin, so
    every fold holds each task in proportion."""
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    if len(tasks) < folds:
        raise ValueError(f"{len(tasks)} prompts cannot be split into {folds} folds")
    rng = np.random.default_rng(seed)
    out = np.empty(len(tasks), dtype=np.int64)
    offset = 0
    for task in sorted(set(tasks)):
        idx = np.flatnonzero(np.asarray(tasks) == task)
        out[rng.permutation(idx)] = (np.arange(len(idx)) + offset) % folds
        offset += len(idx)  # the next task continues the deal, so fold sizes stay within one prompt
    return out
