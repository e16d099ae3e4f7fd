"""Evaluation items: replay prompts mapped to benchmarks (on the tiny literal world), benchmark rows sampled
reproducibly (on literal benchmark rows)."""

from __future__ import annotations

import dataclasses

import pytest

from support.tiny_world import LLMROUTER_PROMPTS, PROMPTS, split_ids
from xrouter.data.schema import BenchmarkItem
from xrouter.evaluate.items import benchmark_items, replay_items


def _item(benchmark: str, i: int, domain: str) -> BenchmarkItem:
    return BenchmarkItem(f"{benchmark}/{i}", benchmark, "", domain,
                         [{"role": "user", "content": f"{benchmark} question {i}"}], {"answers": [str(i)]},
                         "math_verify" if domain == "math" else "ifeval", {})


# 12 GSM8K and 9 IFEval rows, listed out of order
BENCH = ([_item("ifeval", i, "instruction_following") for i in range(9)]
         + [_item("gsm8k", i, "math") for i in reversed(range(12))])


def test_replay_items_name_their_benchmark_and_family(tiny_world) -> None:
    items = replay_items(tiny_world, split_ids("test"))
    assert len(items) == len(split_ids("test")) == 3
    pairs = {(i.query.task, i.benchmark, i.family) for i in items}
    assert pairs == {("gsm", "gsm8k", "math"), ("math-l5", "math_level5", "math"),
                     ("crux", "cruxeval_o", "code_reasoning")}
    assert [i.query.text for i in items] == [p[2] for p in PROMPTS if p[5] == "test"]  # the question, not the prompt
    llm = replay_items(tiny_world, source="llmrouter")
    assert {i.family for i in llm} == {"llmrouter"} and all(i.benchmark.startswith("llmrouter_") for i in llm)
    assert [i.benchmark for i in llm] == [f"llmrouter_{p[1]}" for p in LLMROUTER_PROMPTS]  # llmrouter_cluster0, ...


def test_benchmark_samples_are_seeded_and_bounded() -> None:
    a = benchmark_items(BENCH, ["gsm8k", "ifeval"], limit_per_benchmark=5, seed=1)
    b = benchmark_items(BENCH, ["gsm8k", "ifeval"], limit_per_benchmark=5, seed=1)
    c = benchmark_items(BENCH, ["gsm8k", "ifeval"], limit_per_benchmark=5, seed=2)
    assert [i.id for i in a] == [i.id for i in b] != [i.id for i in c]
    assert [i.benchmark for i in a] == ["gsm8k"] * 5 + ["ifeval"] * 5
    assert [i.id for i in a[:5]] == sorted(i.id for i in a[:5])  # a sample keeps the ids' order
    assert a[0].query.text == a[0].item.messages[0]["content"] and a[0].family == "math"
    everything = benchmark_items(BENCH)
    assert len(everything) == len(BENCH) == 21  # no limit: every row, benchmarks in name order
    assert [i.benchmark for i in everything] == ["gsm8k"] * 12 + ["ifeval"] * 9
    assert len(benchmark_items(BENCH, ["ifeval"], limit_per_benchmark=50)) == 9  # a limit above the count keeps all


def test_unknown_benchmark_and_bad_messages_are_named() -> None:
    with pytest.raises(ValueError, match="gsm9k"):
        benchmark_items(BENCH, ["gsm9k"])
    odd = dataclasses.replace(BENCH[0], messages=[{"role": "system", "content": "x"}, *BENCH[0].messages])
    with pytest.raises(ValueError, match=f"{odd.id}.*roles"):
        benchmark_items([odd])
