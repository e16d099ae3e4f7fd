"""`ReferenceBackend`: answers every benchmark item with its reference response (the issue's Gold/Wrong backends).

Model `gold` returns what a correct model could write (the canonical solution for code, the gold answer
written as a model would for the rest; see `xrouter.graders.references`), model `wrong` a plausible wrong one.
Run through the evaluation harness they prove, end to end, that the graders, the episode and the reports
agree: `gold` must score >= 99% per benchmark, `wrong` <= 1%. The item is identified by the `prompt_id` param
(the benchmark item's id). Calls are free: token counts are the text lengths / 4, the cost is zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from xrouter.backends.base import BackendError, Completion
from xrouter.data.schema import BenchmarkItem
from xrouter.graders.references import reference_answers

MODELS = ("gold", "wrong")


class ReferenceBackend:
    name = "reference"
    accepts_prompt_id = True

    def __init__(self, items: Iterable[BenchmarkItem]) -> None:
        self.items = {i.id: i for i in items}
        self._answers = reference_answers()

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        if model not in self._answers:
            raise BackendError(f"reference backend serves {list(MODELS)}, not {model!r}")
        item = self.items.get(params.get("prompt_id", ""))
        if item is None:
            raise BackendError(f"reference backend: unknown benchmark item {params.get('prompt_id')!r}")
        text = self._answers[model](item)
        prompt_chars = sum(len(m.get("content", "")) for m in messages)
        return Completion(model=model, text=text, input_tokens=math.ceil(prompt_chars / 4),
                          output_tokens=math.ceil(len(text) / 4), cost_usd=0.0, latency_s=0.0,
                          tokens_estimated=True, backend=self.name)
