"""What the harness evaluates: `EvalItem`s, each a query with its benchmark, its family and how it is graded.

Two sources:

* **replay items** (`replay_items`): the replay prompts of a split (ZeroEval: GSM8K, MATH level 5, CruxEval-O;
  LLMRouter clusters). A replayed answer is graded by its recorded grade (the upstream graders on the
  upstream text, exactly what training used); text the router writes itself by `ReplayJudge`.
* **benchmark items** (`benchmark_items`): rows of `data/benchmarks.parquet` (the 17 benchmarks), graded by
  `xrouter.graders` — for backends that can answer any prompt (LiteLLM, the local model, the reference
  backend).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from xrouter.backends.base import Completion
from xrouter.data.schema import BenchmarkItem
from xrouter.data.world import ReplayWorld
from xrouter.env.judge import ReplayJudge
from xrouter.env.queries import replay_queries
from xrouter.env.types import Query

# replay task -> (benchmark, family). MATH level 5 is a different sample than MATH-500, hence its own name.
REPLAY_BENCHMARKS = {
    "gsm": ("gsm8k", "math"),
    "math-l5": ("math_level5", "math"),
    "crux": ("cruxeval_o", "code_reasoning"),
}


@dataclass(frozen=True)
class EvalItem:
    query: Query
    benchmark: str
    family: str
    item: BenchmarkItem | None = None  # graded by xrouter.graders when set, by the replay judge otherwise

    @property
    def id(self) -> str:
        return self.query.prompt_id


def replay_items(world: ReplayWorld, prompt_ids: Iterable[str] | None = None, source: str | None = None) -> list[EvalItem]:
    out = []
    for q in replay_queries(world, prompt_ids, source):
        benchmark, family = REPLAY_BENCHMARKS.get(q.task, (f"{q.source}_{q.task}", q.source))
        out.append(EvalItem(q, benchmark, family))
    return out


def benchmark_items(items: Iterable[BenchmarkItem], benchmarks: Iterable[str] | None = None,
                    limit_per_benchmark: int | None = None, seed: int = 0) -> list[EvalItem]:
    """Items of the chosen benchmarks (all when None); `limit_per_benchmark` keeps a seeded random sample."""
    wanted = None if benchmarks is None else set(benchmarks)
    by_benchmark: dict[str, list[BenchmarkItem]] = defaultdict(list)
    for it in items:
        if wanted is None or it.benchmark in wanted:
            by_benchmark[it.benchmark].append(it)
    if wanted is not None and wanted - set(by_benchmark):
        raise ValueError(f"benchmarks not found in the items: {sorted(wanted - set(by_benchmark))}")
    out = []
    for name in sorted(by_benchmark):
        chosen = by_benchmark[name]
        if limit_per_benchmark is not None and len(chosen) > limit_per_benchmark:
            chosen = sorted(random.Random(f"{seed}:{name}").sample(chosen, limit_per_benchmark), key=lambda i: i.id)
        out.extend(EvalItem(_query(it), it.benchmark, it.domain, it) for it in chosen)
    return out


def _query(item: BenchmarkItem) -> Query:
    roles = [m.get("role") for m in item.messages]
    if roles != ["user"]:
        raise ValueError(f"benchmark item {item.id}: messages must be one user message, got roles {roles}")
    return Query(item.id, item.messages[0]["content"], item.benchmark, "benchmarks")


class ItemJudge:
    """Grades a final answer: benchmark items with their grader, replay items with the replay judge."""

    def __init__(self, items: Iterable[EvalItem], world: ReplayWorld | None = None) -> None:
        self.items = {i.id: i for i in items}
        self.replay = ReplayJudge(world) if world is not None else None

    def __call__(self, query: Query, text: str, completion: Completion | None) -> float:
        item = self.items[query.prompt_id]
        if item.item is not None:
            from xrouter.graders import grade

            return grade(text, item.item).score if text else 0.0
        if self.replay is None:
            raise ValueError(f"item {item.id} is a replay prompt: the judge needs the replay world")
        return self.replay(query, text, completion)
