"""Do the graders agree with real graded answers? Grade the bundle's real ZeroEval responses with
`xrouter.graders` and compare with ZeroEval's own correctness labels, per task.

The items: GSM8K prompts are the benchmark items ``gsm8k/N``, CruxEval-O prompts ``cruxeval_o/sample_N`` (same
questions, same gold); MATH level 5 has no benchmark of its own, so each prompt becomes a ``math_verify``
item whose gold is ZeroEval's answer. `xrouter graders agreement` prints the table;
``--limit`` grades a seeded sample of responses per task.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xrouter.data.benchmarks import load_benchmark
from xrouter.data.outcomes import load_replay_prompts, load_zeroeval_outcomes, load_zeroeval_responses
from xrouter.data.world import benchmark_item
from xrouter.graders.base import Grade, grade
from xrouter.graders.rules.code_common import grade_many

TASKS = ("gsm", "math-l5", "crux")


@dataclass(frozen=True)
class Graded:
    """One real response: ZeroEval's label and ours."""

    prompt_id: str
    model: str
    task: str
    label: bool
    grade: Grade

    @property
    def agrees(self) -> bool:
        return (self.grade.score >= 1.0) == self.label


@dataclass
class TaskAgreement:
    task: str
    n: int = 0
    agree: int = 0
    ours_only: int = 0  # we grade correct, ZeroEval wrong
    theirs_only: int = 0  # ZeroEval correct, we grade wrong
    disagreements: list[Graded] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.agree / self.n if self.n else float("nan")


def responses(
    bundle: Path, tasks: Iterable[str] = TASKS, limit: int | None = None, seed: int = 0
) -> list[tuple]:
    """``(prompt_id, model, task, label, response, item)`` rows, all or a seeded sample of ``limit`` per task."""
    outcomes = load_zeroeval_outcomes(bundle, chars_per_token=4.0)
    texts = load_zeroeval_responses(bundle)
    prompts = load_replay_prompts(bundle)
    gold = dict(zip(prompts["prompt_id"], prompts["gold"]))
    items = {i.id: i for name in ("gsm8k", "cruxeval_o") for i in load_benchmark(bundle, name)}
    merged = outcomes.merge(texts, on=["prompt_id", "model"], how="inner")
    rows = []
    for task in tasks:
        part = merged[merged["task"] == task]
        indices = list(range(len(part)))
        if limit is not None and limit < len(indices):
            indices = sorted(random.Random(f"{seed}:{task}").sample(indices, limit))
        for i in indices:
            r = part.iloc[i]
            item = benchmark_item(task, r["prompt_id"], gold[r["prompt_id"]], items)
            rows.append((r["prompt_id"], r["model"], task, bool(r["correct"]), r["response"], item))
    return rows


def agreement(
    bundle: Path, tasks: Iterable[str] = TASKS, limit: int | None = None, seed: int = 0, workers: int = 2
) -> dict[str, TaskAgreement]:
    """Per task: how many responses our graders and ZeroEval's labels agree on, and the disagreements."""
    rows = responses(bundle, tasks, limit, seed)
    code = [r for r in rows if r[5].grader.startswith("cruxeval")]
    text = [r for r in rows if not r[5].grader.startswith("cruxeval")]
    grades = dict(
        zip(map(id, code), grade_many([r[4] for r in code], [r[5] for r in code], max_workers=workers))
    )
    grades.update((id(r), grade(r[4], r[5])) for r in text)
    report: dict[str, TaskAgreement] = {}
    for row in rows:
        prompt_id, model, task, label, _text, _item = row
        graded = Graded(prompt_id, model, task, label, grades[id(row)])
        entry = report.setdefault(task, TaskAgreement(task))
        entry.n += 1
        if graded.agrees:
            entry.agree += 1
        else:
            entry.disagreements.append(graded)
            if label:
                entry.theirs_only += 1
            else:
                entry.ours_only += 1
    return report


def reasons(entry: TaskAgreement, top: int = 8) -> list[tuple[str, int]]:
    """The most common grader reasons among the disagreements (the reason's rule and outcome)."""
    return Counter(g.grade.reason.split(":")[0] + (" (ZeroEval: correct)" if g.label else " (ZeroEval: wrong)")
                   for g in entry.disagreements).most_common(top)  # fmt: skip
