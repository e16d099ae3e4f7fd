"""The replay world: prompts, recorded outcomes, response texts and prices, indexed for fast lookups.

Built either from the prepared tables (`from_data_dir`, what the pipeline uses) or straight from any bundle
with the shared layout (`from_bundle`, what `xrouter evaluate --bundle` uses: it needs no prepared splits).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from xrouter.data.outcomes import attach_costs, load_outcomes, load_replay_prompts, load_zeroeval_responses
from xrouter.data.prepare import read_tables
from xrouter.data.prices import build_price_catalog
from xrouter.data.schema import BenchmarkItem

if TYPE_CHECKING:
    from xrouter.data.config import PrepareParams

# ZeroEval's GSM8K and CruxEval-O prompts are items of the bundle's benchmarks: `gsm:gsm8k-main-test-#N` is
# `gsm8k/N`, `crux:crux-test-#N` is `cruxeval_o/sample_N` (same question, same gold). MATH level 5 has no benchmark
# of its own: its prompts are graded with math-verify against ZeroEval's gold.
GRADED_BENCHMARKS = ("gsm8k", "cruxeval_o")
_ITEM_NUMBER = re.compile(r"#(\d+)$")


def benchmark_item(task: str, prompt_id: str, gold: str, items: dict[str, BenchmarkItem],
                   question: str = "(ZeroEval prompt)") -> BenchmarkItem:
    """The benchmark item a ZeroEval replay prompt is graded against: its GSM8K / CruxEval-O item from `items`,
    or, for MATH level 5, a math-verify item with ZeroEval's gold. Raises naming the prompt when it has no item."""
    if task == "math-l5":
        return BenchmarkItem(f"math_level5/{prompt_id.split(':', 1)[1]}", "math_level5", "", "math",
                             [{"role": "user", "content": question}], {"answers": [gold]}, "math_verify",
                             {"all_required": False})
    match = _ITEM_NUMBER.search(prompt_id)
    if task not in ("gsm", "crux") or match is None:
        raise ValueError(f"ZeroEval prompt id {prompt_id!r} (task {task!r}) has no '#N' item number")
    item_id = f"gsm8k/{match.group(1)}" if task == "gsm" else f"cruxeval_o/sample_{match.group(1)}"
    if item_id not in items:
        raise KeyError(f"{prompt_id}: no benchmark item {item_id} in the bundle")
    return items[item_id]


@dataclass(frozen=True)
class Outcome:
    """One recorded (prompt, model) result. Only the judge and the oracle may read `correct`/`score`."""

    correct: int
    score: float
    input_tokens: int
    output_tokens: int
    cost_usd: float
    tokens_estimated: bool


@dataclass
class ReplayWorld:
    prompts: pd.DataFrame
    outcomes: pd.DataFrame
    responses: pd.DataFrame
    prices: pd.DataFrame
    # loads the benchmark items of GRADED_BENCHMARKS (for grading text a router writes itself), on first use
    load_items: Callable[[], list[BenchmarkItem]] | None = field(default=None, repr=False)
    _outcome_index: dict[tuple[str, str], Outcome] = field(init=False, repr=False)
    _response_index: dict[tuple[str, str], str] = field(init=False, repr=False)
    _text_index: dict[str, str] = field(init=False, repr=False)
    _prompt_ids: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        o = self.outcomes
        self._outcome_index = {
            (p, m): Outcome(int(c), float(s), int(i), int(t), float(cost), bool(est))
            for p, m, c, s, i, t, cost, est in zip(
                o["prompt_id"], o["model"], o["correct"], o["score"], o["input_tokens"], o["output_tokens"],
                o["cost_usd"], o["tokens_estimated"],
            )
        }
        r = self.responses
        self._response_index = dict(zip(zip(r["prompt_id"], r["model"]), r["response"]))
        self._prompt_ids = frozenset(self.prompts["prompt_id"])
        self._text_index = {}
        for pid, question, prompt in zip(self.prompts["prompt_id"], self.prompts["question"], self.prompts["prompt"]):
            self._text_index.setdefault(question.strip(), pid)
            self._text_index.setdefault(prompt.strip(), pid)

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> "ReplayWorld":
        t = read_tables(data_dir, ("prompts", "outcomes", "responses", "prices"))

        def items() -> list[BenchmarkItem]:
            rows = pd.read_parquet(Path(data_dir) / "benchmarks.parquet",
                                   filters=[("benchmark", "in", list(GRADED_BENCHMARKS))])
            return [BenchmarkItem.from_row(r) for r in rows.to_dict("records")]

        return cls(t["prompts"], t["outcomes"], t["responses"], t["prices"], items)

    @classmethod
    def from_bundle(cls, bundle: Path, prepare: "PrepareParams") -> "ReplayWorld":
        """A bundle read as the `prepare` stage reads it (token estimates and LLMRouter grading from `prepare`)."""
        outcomes = load_outcomes(bundle, prepare.chars_per_token, prepare.llmrouter_assumed_output_tokens,
                                 prepare.llmrouter_correct_min_score)
        prices = build_price_catalog(bundle, sorted(outcomes["model"].unique()))
        def items() -> list[BenchmarkItem]:
            from xrouter.data.benchmarks import load_benchmark  # noqa: PLC0415

            return [i for name in GRADED_BENCHMARKS for i in load_benchmark(bundle, name)]

        return cls(load_replay_prompts(bundle), attach_costs(outcomes, prices), load_zeroeval_responses(bundle), prices,
                   items)

    @cached_property
    def _items(self) -> dict[str, BenchmarkItem]:
        return {i.id: i for i in (self.load_items() if self.load_items is not None else [])}

    def grading_item(self, prompt_id: str) -> BenchmarkItem | None:
        """The benchmark item a replay prompt's answer is graded against (`xrouter.graders`), or None when the
        prompt has no gold (LLMRouter) or its item is not in the bundle."""
        row = self.prompts.loc[self.prompts["prompt_id"] == prompt_id]
        if row.empty or not row["gold"].iloc[0]:
            return None
        try:
            return benchmark_item(row["task"].iloc[0], prompt_id, row["gold"].iloc[0], self._items,
                                  row["question"].iloc[0])
        except (ValueError, KeyError):
            return None

    def has_prompt(self, prompt_id: str) -> bool:
        return prompt_id in self._prompt_ids

    def outcome(self, prompt_id: str, model: str) -> Outcome | None:
        return self._outcome_index.get((prompt_id, model))

    def response(self, prompt_id: str, model: str) -> str | None:
        return self._response_index.get((prompt_id, model))

    def prompt_id_for_text(self, text: str) -> str | None:
        return self._text_index.get(text.strip())

    def models_covering(self, prompt_ids: list[str] | None = None, source: str | None = None) -> list[str]:
        """Models with a recorded outcome on every prompt of the selection (the full-coverage pool)."""
        o = self.outcomes
        if source is not None:
            o = o[o["source"] == source]
        if prompt_ids is not None:
            o = o[o["prompt_id"].isin(set(prompt_ids))]
        n = o["prompt_id"].nunique()
        counts = o.groupby("model")["prompt_id"].nunique()
        return sorted(counts[counts == n].index)
