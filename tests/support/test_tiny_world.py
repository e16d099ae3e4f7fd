"""The tiny literal world is a faithful replay world: the prepared tables' columns, costs by the catalog
formula, and recorded grades that `xrouter.graders` confirms on every response."""

from __future__ import annotations

import math

import pytest

from support.tiny_world import G0, MODELS, O1, PROMPTS, RECORDED, tables
from xrouter.data.schema import (
    BENCHMARK_COLUMNS,
    OUTCOME_COLUMNS,
    PRICE_COLUMNS,
    PROMPT_COLUMNS,
    SPLIT_COLUMNS,
)
from xrouter.env.judge import ReplayJudge
from xrouter.env.queries import replay_queries


def test_tables_have_the_prepared_columns_and_one_split_per_prompt() -> None:
    t = tables()
    assert list(t["prompts"].columns) == list(PROMPT_COLUMNS) and list(t["outcomes"].columns) == list(OUTCOME_COLUMNS)
    assert list(t["prices"].columns) == list(PRICE_COLUMNS) and list(t["splits"].columns) == list(SPLIT_COLUMNS)
    assert list(t["benchmarks"].columns) == list(BENCHMARK_COLUMNS)
    assert sorted(t["splits"]["prompt_id"]) == sorted(t["prompts"]["prompt_id"])
    assert t["outcomes"].groupby("prompt_id")["model"].nunique().to_dict() == {
        **{p[0]: len(MODELS) for p in PROMPTS}, **{pid: 2 for pid in t["prompts"]["prompt_id"] if "llmrouter" in pid}}


def test_costs_are_the_catalog_formula(tiny_world) -> None:
    o1 = tiny_world.outcome(G0, O1)  # 150 tokens in, 60 out at $1.10 / $4.40 per M, output ×7.32
    assert math.isclose(o1.cost_usd, (150 * 1.10 + 60 * 7.32 * 4.40) / 1e6)
    assert tiny_world.outcome("llmrouter:8192a3b4c5d6e7f8", "qwen2.5-7b-instruct").cost_usd == pytest.approx(
        (10 + 256) * 0.20 / 1e6)  # 37 characters → 10 tokens in, 256 assumed out
    llm = tiny_world.outcome("llmrouter:8192a3b4c5d6e7f8", "llama-3.1-8b-instruct")
    assert (llm.score, llm.correct) == (0.5, 0)  # partial credit is not "correct" (min score 1.0)


def test_every_recorded_grade_is_what_the_graders_say_of_the_response(tiny_world) -> None:
    judge = ReplayJudge(tiny_world)
    for q in replay_queries(tiny_world, source="zeroeval"):
        for model, (correct, _, text) in RECORDED[q.prompt_id].items():
            assert judge.grade_text(q, text) == correct, (q.prompt_id, model)
