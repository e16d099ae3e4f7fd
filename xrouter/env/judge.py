"""Judges score an episode's final answer in [0, 1].

`ReplayJudge`: a final answer that is a replayed model response scores what that response really scored
(the recorded grade, from the upstream graders on the upstream text). Text the router wrote itself is graded
by `xrouter.graders` — the one definition of "is this answer correct" — against the benchmark item of the
replay prompt (`ReplayWorld.grading_item`: GSM8K and CruxEval-O items of the bundle, MATH level 5 with
math-verify). LLMRouter prompts carry no gold, so a router-written answer there scores 0 (stated, not hidden).
"""

from __future__ import annotations

from xrouter.backends.base import Completion
from xrouter.data.world import ReplayWorld
from xrouter.env.types import Query


class ReplayJudge:
    def __init__(self, world: ReplayWorld) -> None:
        self.world = world

    def __call__(self, query: Query, text: str, completion: Completion | None) -> float:
        if completion is not None and completion.outcome is not None:
            return float(completion.outcome["score"])
        return self.grade_text(query, text)

    def grade_text(self, query: Query, text: str) -> float:
        item = self.world.grading_item(query.prompt_id) if text else None
        if item is None:
            return 0.0
        from xrouter.graders import grade  # noqa: PLC0415 (math-verify is slow to import)

        return float(grade(text, item).score)
