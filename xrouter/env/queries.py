"""The replay prompts of a world as episode queries."""

from __future__ import annotations

from collections.abc import Iterable

from xrouter.data.world import ReplayWorld
from xrouter.env.types import Query


def replay_queries(world: ReplayWorld, prompt_ids: Iterable[str] | None = None, source: str | None = None) -> list[Query]:
    p = world.prompts
    if source is not None:
        p = p[p["source"] == source]
    if prompt_ids is not None:
        keep = set(prompt_ids)
        p = p[p["prompt_id"].isin(keep)]
    return [Query(pid, q, task, src) for pid, q, task, src in zip(p["prompt_id"], p["question"], p["task"], p["source"])]
