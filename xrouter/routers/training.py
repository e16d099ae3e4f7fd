"""What fitted baselines (cascade, kNN, matrix factorization) learn from: the train split of a prepared data
folder — never the prompts they are evaluated on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from xrouter.data.splits import split_ids
from xrouter.data.world import ReplayWorld
from xrouter.embeddings import embed
from xrouter.pool import ModelPool, load_pool
from xrouter.routers.answers import extract_answer
from xrouter.routers.cascade import CascadeConfig, fit_cascades
from xrouter.routers.matrix import OutcomeMatrix
from xrouter.routers.mf import MFFit, fit_mf

FITTED = ("cascade", "knn", "mf")  # routers fit on a train split


@dataclass
class TrainingData:
    """The train split of a replay world, with what fitted baselines need (lazily computed, cached)."""

    world: ReplayWorld
    prompt_ids: list[str]
    pool: ModelPool
    seed: int = 0

    @cached_property
    def matrix(self) -> OutcomeMatrix:
        return OutcomeMatrix.from_world(self.world, self.prompt_ids, self.pool.ids)

    @cached_property
    def embeddings(self) -> np.ndarray:
        return embed(self.matrix.texts)

    @cached_property
    def answers(self) -> list[list[str | None]]:
        return [[extract_answer(self.world.response(p, m) or "") for m in self.pool.ids] for p in self.prompt_ids]

    @cached_property
    def cascades(self) -> list[CascadeConfig]:
        return fit_cascades(self.matrix, self.answers)

    @cached_property
    def mf(self) -> MFFit:
        return fit_mf(self.matrix, self.embeddings, seed=self.seed)


def training_data(train_dir: Path, pool_name: str, seed: int = 0) -> TrainingData:
    """The train split of a prepared data folder, priced and pooled as `pool_name`."""
    world = ReplayWorld.from_data_dir(train_dir)
    return TrainingData(world, split_ids(train_dir, "train", pool_name), load_pool(pool_name, world.prices), seed)
