"""The reference registry, and the proof on gold for the code graders: on a seeded sample of each benchmark's
real items, gold answers score 1 (at least 99%) and plausible wrong answers score 0 (at most 1%). The complete
sets are `xrouter graders selfcheck`'s job (docs/graders.md); a sample keeps the suite's
time in budget while every code grader still runs on real items of every benchmark."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from xrouter.data.benchmarks import load_benchmark
from xrouter.data.schema import BenchmarkItem
from xrouter.graders.references import (
    base as references,
)
from xrouter.graders.references import (
    gold_answer,
    reference_for,
    register_reference,
    registered_references,
    wrong_answer,
)
from xrouter.graders.references.code import off_by_one
from xrouter.graders.rules.code_common import grade_many

CODE_BENCHMARKS = ("humanevalplus", "mbppplus", "livecodebench", "cruxeval_o", "cruxeval_i")
# Share of wrong answers that must be rejected by the comparison ("wrong ..."), not by an error. CruxEval-I's
# moved inputs often raise, and where no moved input changes the output it passes one argument too many.
WRONG_BY_COMPARISON = {"cruxeval_i": 0.75}
SAMPLE = 60  # items per benchmark (of 164 … 800); the full sets: benchmarks/graders.py


@pytest.fixture
def private_registry():
    with references.REFERENCES.scratch():
        yield


def test_code_graders_have_references():
    assert {"evalplus", "livecodebench", "cruxeval_output", "cruxeval_input"} <= set(registered_references())


def test_duplicate_registration_raises(private_registry):
    with pytest.raises(ValueError, match="already registered"):

        @register_reference("evalplus")
        class Again:
            gold = wrong = staticmethod(lambda item: "")


def test_a_reference_needs_gold_and_wrong(private_registry):
    with pytest.raises(TypeError, match="gold\\(item\\) and wrong\\(item\\)"):

        @register_reference("half_for_test")
        class Half:
            gold = staticmethod(lambda item: "")


def test_unknown_grader_raises_and_lists_known_ones():
    with pytest.raises(KeyError, match="unknown reference answers 'nope'; registered: .*evalplus"):
        reference_for("nope")


@pytest.mark.parametrize(
    "value",
    [0, -1, 2.5, True, False, None, "", "abc", b"x", [], [1], (), (1, 2), {1}, frozenset(), {}, {"a": 1}],
)
def test_off_by_one_always_differs(value):
    assert off_by_one(value) != value


def test_hand_built_items_gold_passes_and_wrong_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("XROUTER_CACHE", str(tmp_path))
    stdin_tests = [{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]
    functional_tests = [{"input": "[1, 2]\n3", "output": "[4, 5]", "testtype": "functional"}]
    crux = {"code": "def f(a, b):\n    return a * b", "input": "'ab', 2", "output": "'abab'"}
    items = [
        _item("evalplus", {"task_id": "HumanEval/900", "entry_point": "neg", "reference": "def neg(x):\n    return -x\n",
                           "base_input": [[1]], "plus_input": [[2.5]], "atol": 0}),
        _item("livecodebench", {"tests": stdin_tests, "starter_code": "", "func_name": None}),
        _item("livecodebench", {"tests": functional_tests, "starter_code": "class Solution:", "func_name": "shift"}),
        _item("cruxeval_output", crux),
        _item("cruxeval_input", crux),
    ]  # fmt: skip
    gold = grade_many([gold_answer(i) for i in items], items)
    wrong = grade_many([wrong_answer(i) for i in items], items)
    assert [g.score for g in gold] == [1.0] * len(items), gold
    assert [g.score for g in wrong] == [0.0] * len(items), wrong
    assert all("wrong" in g.reason for g in wrong), wrong  # rejected by the comparison, not by a crash


def _item(grader: str, gold: dict) -> BenchmarkItem:
    return BenchmarkItem("test/0", "test", "", "code", [{"role": "user", "content": "q"}], gold, grader, {})


@pytest.mark.slow
@pytest.mark.parametrize("benchmark", CODE_BENCHMARKS)
@pytest.mark.parametrize(
    ("answer", "expected_score", "max_misses"), [("gold", 1.0, 0.01), ("wrong", 0.0, 0.01)]
)
def test_seeded_sample(bundle, benchmark, answer, expected_score, max_misses):
    items = load_benchmark(bundle, benchmark)
    items = random.Random(f"{benchmark}/{answer}").sample(items, min(SAMPLE, len(items)))
    make = gold_answer if answer == "gold" else wrong_answer
    with ThreadPoolExecutor(max_workers=2) as pool:  # cruxeval_i's wrong answers probe inputs in the sandbox
        responses = list(pool.map(make, items))
    start = time.monotonic()
    grades = grade_many(responses, items, max_workers=2)
    elapsed = time.monotonic() - start
    misses = [f"{i.id}: {g.reason}" for i, g in zip(items, grades) if g.score != expected_score]
    print(f"{benchmark} {answer}: {len(items)} items in {elapsed:.1f} s ({len(items) / elapsed:.1f}/s)")
    assert len(misses) <= max_misses * len(items), f"{len(misses)} misses:\n" + "\n".join(misses)
    if answer == "wrong":
        compared = sum("wrong" in g.reason for g in grades) / len(grades)
        assert compared >= WRONG_BY_COMPARISON.get(benchmark, 0.99), (
            f"only {compared:.0%} failed by comparison"
        )
