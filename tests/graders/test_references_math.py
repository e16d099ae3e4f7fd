"""Proof on gold for the math benchmarks: every gold answer passes, (almost) no wrong answer does."""

from __future__ import annotations

import pytest

from xrouter.data.benchmarks import load_benchmark
from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.references import gold_answer, wrong_answer
from xrouter.graders.references.math import _wrong

MATH = ["aime24", "aime25", "amc23", "gsm8k", "math500", "minerva_math", "olympiadbench"]


def test_wrong_answers_differ_in_kind() -> None:
    assert _wrong("18") == "19" and _wrong("1,000") == "1001" and _wrong("-2.5") == "-1.5"
    assert _wrong("\\frac{\\pi}{2}") == "\\frac{\\pi}{2} + 1"
    assert _wrong("\\left( 3, \\frac{\\pi}{2} \\right)") == "0" and _wrong("(0,1]") == "0"


def test_multi_answer_gold_lists_every_answer() -> None:
    item = BenchmarkItem(
        "o/1",
        "olympiadbench",
        "",
        "math",
        [{"role": "user", "content": "q"}],
        {"answers": ["(1,8,19)", "(2,7,13)"]},
        "math_verify",
        {"all_required": True},
    )
    assert "\\boxed{(1,8,19), (2,7,13)}" in gold_answer(item)
    assert grade(gold_answer(item), item).score == 1.0 and grade(wrong_answer(item), item).score == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("name", MATH)
def test_gold_and_wrong_bounds_over_the_full_set(bundle, name: str) -> None:
    items = load_benchmark(bundle, name)
    gold = sum(grade(gold_answer(i), i).score for i in items) / len(items)
    wrong = sum(grade(wrong_answer(i), i).score for i in items) / len(items)
    assert gold >= 0.99 and wrong <= 0.01, (name, gold, wrong)
