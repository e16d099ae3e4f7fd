"""The replay world: prompts, recorded outcomes, response texts and prices, indexed for fast lookups.

Built either from the prepared tables (`from_data_dir`, what the pipeline uses) or straight from any bundle
with the shared layout (`from_bundle`, what `xrouter evaluate --bundle` uses: it needs no prepared splits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xrouter.data.outcomes import attach_costs, load_outcomes, load_replay_prompts, load_zeroeval_responses
from xrouter.data.prepare import read_tables
from xrouter.data.prices import build_price_catalog


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
        return cls(t["prompts"], t["outcomes"], t["responses"], t["prices"])

    @classmethod
    def from_bundle(cls, bundle: Path, prepare: "PrepareParams") -> "ReplayWorld":
        """A bundle read as the `prepare` stage reads it (token estimates and LLMRouter grading from `prepare`)."""
        outcomes = load_outcomes(bundle, prepare.chars_per_token, prepare.llmrouter_assumed_output_tokens,
                                 prepare.llmrouter_correct_min_score)
        prices = build_price_catalog(bundle, sorted(outcomes["model"].unique()))
        return cls(load_replay_prompts(bundle), attach_costs(outcomes, prices), load_zeroeval_responses(bundle), prices)

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
