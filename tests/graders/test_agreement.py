"""The graders agree with ZeroEval's own labels on a seeded sample of the bundle's real responses (the
complete sets are `xrouter graders agreement`'s; docs/graders.md lists every class of disagreement)."""

from __future__ import annotations

import time

import pytest

from xrouter.config import load_params
from xrouter.graders.agreement import TASKS, agreement, benchmark_item

FLOOR = 0.98
SAMPLE = 400  # responses per task


@pytest.fixture(scope="module")
def report():
    start = time.perf_counter()
    result = agreement(load_params().data.bundle, TASKS, limit=SAMPLE, seed=0)
    return result, time.perf_counter() - start


def test_agreement_floor_on_every_task(report):
    result, seconds = report
    assert set(result) == set(TASKS)
    for task, entry in result.items():
        assert entry.n == SAMPLE, task
        assert entry.rate >= FLOOR, (
            task,
            entry.rate,
            [(g.grade.reason, g.label) for g in entry.disagreements],
        )
    assert seconds < 60  # ~20 s here; the sandbox runs only for CruxEval answers that are not literals


def test_items_are_the_benchmarks_own():
    item = benchmark_item("crux", "crux:crux-test-#7", "'x'", {"cruxeval_o/sample_7": "the item"})
    assert item == "the item"
    with pytest.raises(ValueError, match="no '#N'"):
        benchmark_item("gsm", "gsm:oops", "1", {})
    with pytest.raises(KeyError, match="gsm8k/3"):
        benchmark_item("gsm", "gsm:gsm8k-main-test-#3", "1", {})
    math = benchmark_item("math-l5", "math-l5:12", "-15", {})
    assert (math.grader, math.gold) == ("math_verify", {"answers": ["-15"]})
