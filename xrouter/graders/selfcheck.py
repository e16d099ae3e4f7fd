"""Grade every gold and every wrong reference response of every benchmark: the proof that each grader
accepts what it must (gold ≥ 99%) and rejects what it must (wrong ≤ 1%). `xrouter graders selfcheck` runs it.

Items whose gold cannot be built by construction (documented per grader, e.g. IFEval prompts whose
instructions contradict each other) are left out and counted.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from xrouter.data.benchmarks import load_benchmark
from xrouter.data.schema import BENCHMARKS, BenchmarkItem
from xrouter.graders.base import grade

# graders that run code in the sandbox: their items are graded two at a time (one subprocess each)
CODE_GRADERS = {"evalplus", "livecodebench", "cruxeval_output", "cruxeval_input"}
IF_GRADERS = {"ifeval", "ifbench"}  # the only graders with items whose gold cannot be built


def _load_references():
    from xrouter.graders.references import reference_answers
    from xrouter.graders.references.text import if_left_out

    answers = reference_answers()
    return answers["gold"], answers["wrong"], if_left_out


def check_benchmark(items: list[BenchmarkItem], workers: int = 2) -> dict:
    gold_answer, wrong_answer, if_left_out = _load_references()
    kept = [i for i in items if i.grader not in IF_GRADERS or not if_left_out(i)]

    def both(item: BenchmarkItem) -> tuple[float, float]:
        return grade(gold_answer(item), item).score, grade(wrong_answer(item), item).score

    start = time.perf_counter()
    if kept and kept[0].grader in CODE_GRADERS:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            scores = list(pool.map(both, kept))
    else:
        scores = [both(i) for i in kept]
    seconds = time.perf_counter() - start
    return {
        "n": len(kept),
        "left_out": len(items) - len(kept),
        "gold": sum(g for g, _ in scores) / max(len(kept), 1),
        "wrong": sum(w for _, w in scores) / max(len(kept), 1),
        "gold_misses": [i.id for i, (g, _) in zip(kept, scores) if g < 1.0],
        "seconds": round(seconds, 2),
        "items_per_s": round(2 * len(kept) / seconds, 1) if seconds > 0 else None,
    }


def selfcheck(bundle: Path, benchmarks: Iterable[str] | None = None, workers: int = 2) -> dict[str, dict]:
    return {name: check_benchmark(load_benchmark(bundle, name), workers) for name in (benchmarks or BENCHMARKS)}
