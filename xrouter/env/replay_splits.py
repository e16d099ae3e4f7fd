"""The replay splits and the training data fitted routers learn from (the train split of a prepared folder)."""

from __future__ import annotations

from pathlib import Path

from xrouter.data.prepare import read_tables
from xrouter.data.world import ReplayWorld
from xrouter.pool import load_pool
from xrouter.routers.factory import TrainingData

POOL_SOURCE = {"zeroeval": "zeroeval", "llmrouter": "llmrouter"}
FITTED = ("cascade", "knn", "mf")  # routers fit on a train split


def split_ids(data_dir: Path, split: str, pool_name: str) -> list[str]:
    """Sorted prompt ids of one split of a prepared data folder, for the replay source a pool answers."""
    splits = read_tables(data_dir, ("splits",))["splits"]
    return sorted(splits.loc[(splits["split"] == split) & (splits["source"] == POOL_SOURCE[pool_name]), "prompt_id"])


def training_data(train_dir: Path, pool_name: str, seed: int = 0) -> TrainingData:
    world = ReplayWorld.from_data_dir(train_dir)
    return TrainingData(world, split_ids(train_dir, "train", pool_name), load_pool(pool_name, world.prices), seed)
