"""Evaluation items: replay prompts mapped to benchmarks, benchmark rows sampled reproducibly."""

from __future__ import annotations

import dataclasses

import pytest

from xrouter.evaluate.items import benchmark_items, replay_items


def test_replay_items_name_their_benchmark_and_family(world, split_ids) -> None:
    items = replay_items(world, split_ids["test"])
    assert len(items) == len(split_ids["test"])
    pairs = {(i.query.task, i.benchmark, i.family) for i in items}
    assert pairs == {("gsm", "gsm8k", "math"), ("math-l5", "math_level5", "math"),
                     ("crux", "cruxeval_o", "code_reasoning")}
    llm = replay_items(world, source="llmrouter")
    assert {i.family for i in llm} == {"llmrouter"} and all(i.benchmark.startswith("llmrouter_") for i in llm)


def test_benchmark_samples_are_seeded_and_bounded(bench_items) -> None:
    a = benchmark_items(bench_items, ["gsm8k", "ifeval"], limit_per_benchmark=5, seed=1)
    b = benchmark_items(bench_items, ["gsm8k", "ifeval"], limit_per_benchmark=5, seed=1)
    c = benchmark_items(bench_items, ["gsm8k", "ifeval"], limit_per_benchmark=5, seed=2)
    assert [i.id for i in a] == [i.id for i in b] != [i.id for i in c]
    assert [i.benchmark for i in a] == ["gsm8k"] * 5 + ["ifeval"] * 5
    assert a[0].query.text == a[0].item.messages[0]["content"] and a[0].family == "math"
    assert len(benchmark_items(bench_items)) == 11245


def test_unknown_benchmark_and_bad_messages_are_named(bench_items) -> None:
    with pytest.raises(ValueError, match="gsm9k"):
        benchmark_items(bench_items, ["gsm9k"])
    odd = dataclasses.replace(bench_items[0], messages=[{"role": "system", "content": "x"}, *bench_items[0].messages])
    with pytest.raises(ValueError, match=f"{odd.id}.*roles"):
        benchmark_items([odd])
