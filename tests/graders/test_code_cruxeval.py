"""Hand-written answers against hand-built CruxEval items, output and input prediction: pass/fail and why."""

from __future__ import annotations

import time

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules.code_cruxeval import assertion_parts, extract_assertion

CODE = "def f(nums):\n    return sorted(nums)[::-1]"


def item(
    predict: str, code: str = CODE, call_input: str = "[1, 3, 2]", output: str = "[3, 2, 1]"
) -> BenchmarkItem:
    return BenchmarkItem(
        id="test/0",
        benchmark=f"cruxeval_{predict[0]}",
        subset="",
        domain="code_reasoning",
        messages=[{"role": "user", "content": "Predict."}],
        gold={"code": code, "input": call_input, "output": output},
        grader=f"cruxeval_{predict}",
        grader_kwargs={},
    )


@pytest.mark.parametrize(
    ("response", "rule"),
    [
        ("Sorting then reversing.\n[ANSWER]\nassert f([1, 3, 2]) == [3, 2, 1]\n[/ANSWER]", "answer_tag"),
        ("[ANSWER]\n```python\nassert f([1, 3, 2]) == [3, 2, 1]\n```\n[/ANSWER]", "answer_tag"),
        ("[ANSWER]assert f([1, 3, 2]) == [3, 2, 1][/ANSWER]", "answer_tag"),
        ("[ANSWER]\n[3, 2, 1]\n[/ANSWER]", "answer_tag"),  # the bare value
        ("[ANSWER]assert f([1,3,2]) == [0][/ANSWER] no wait: [ANSWER]assert f([1,3,2]) == [3,2,1][/ANSWER]", "answer_tag"),
        ("So the result is:\nassert f([1, 3, 2]) == [3, 2, 1]", "assert_line"),
        ("[ANSWER]\nassert f([1, 3, 2]) == [3, 2, 1]", "open_answer_tag"),
        ("[ANSWER]\nassert f([1, 3, 2]) == [3, 2, 1], 'sorted descending'\n[/ANSWER]", "answer_tag"),
    ],
)  # fmt: skip
def test_output_prediction_passes(response, rule):
    result = grade(response, item("output"))
    assert (result.score, result.reason) == (1.0, f"{rule}: pass"), result


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ("[ANSWER]\nassert f([1, 3, 2]) == [1, 2, 3]\n[/ANSWER]", "answer_tag: wrong output"),
        ("[ANSWER]\nassert f([1, 3, 2]) == f([1, 3, 2])\n[/ANSWER]", "answer_tag: the predicted output calls f"),
        ("[ANSWER]\nassert f([1, 3, 2]) == [3, 2,\n[/ANSWER]", "answer_tag: the output is not a Python expression"),
        ("[ANSWER]\nassert f([1, 3, 2]) == undefined_name\n[/ANSWER]", "answer_tag: error: NameError: name 'undefined_name' is not defined"),
        ("I am not sure what it returns.", "no answer found"),
        ("", "no answer found"),
        ("[ANSWER]\n\n[/ANSWER]", "no answer found"),
        ("[ANSWER]\nassert f([1, 3, 2])\n[/ANSWER]", "answer_tag: the predicted output calls f"),
    ],
)  # fmt: skip
def test_output_prediction_failures(response, reason):
    result = grade(response, item("output"))
    assert (result.score, result.reason) == (0.0, reason)


def test_output_literal_containing_the_comparison_operator():
    equals = item("output", code="def f(s):\n    return s + '=='", call_input="'a'", output="'a=='")
    assert grade("[ANSWER]\nassert f('a') == 'a=='\n[/ANSWER]", equals).score == 1.0
    assert grade("[ANSWER]\nassert f('a') == 'a==b'\n[/ANSWER]", equals).score == 0.0


@pytest.mark.parametrize(
    "response",
    [
        "[ANSWER]\nassert f([1, 3, 2]) == [3, 2, 1]\n[/ANSWER]",
        "[ANSWER]\nassert f([2, 1, 3]) == [3, 2, 1]\n[/ANSWER]",  # any input that gives the output
        "[ANSWER]\nf([3, 2, 1])\n[/ANSWER]",
        "The input is sorted descending.\nassert f([3, 1, 2]) == [3, 2, 1]",
    ],
)
def test_input_prediction_passes(response):
    assert grade(response, item("input")).score == 1.0


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ("[ANSWER]\nassert f([1, 2]) == [3, 2, 1]\n[/ANSWER]", "answer_tag: wrong input"),
        ("[ANSWER]\nassert g([1, 3, 2]) == [3, 2, 1]\n[/ANSWER]", "answer_tag: the predicted input is not a call of f"),
        ("[ANSWER]\n[1, 3, 2]\n[/ANSWER]", "answer_tag: the predicted input is not a call of f"),
        ("[ANSWER]\nassert f(1) == [3, 2, 1]\n[/ANSWER]", "answer_tag: error: TypeError: 'int' object is not iterable"),
    ],
)  # fmt: skip
def test_input_prediction_failures(response, reason):
    result = grade(response, item("input"))
    assert (result.score, result.reason) == (0.0, reason)


def test_input_that_makes_f_loop_forever_times_out():
    countdown = item(
        "input", code="def f(n):\n    while n != 0:\n        n -= 2\n    return n", call_input="4", output="0"
    )
    start = time.monotonic()
    result = grade("[ANSWER]\nassert f(3) == 0\n[/ANSWER]", countdown)
    assert (result.score, result.reason) == (0.0, "answer_tag: timeout (item limit 4 s)")
    assert time.monotonic() - start < 10


def test_an_exit_from_inside_the_answer_does_not_pass():
    result = grade("[ANSWER]\nassert f(__import__('os')._exit(0)) == [3, 2, 1]\n[/ANSWER]", item("input"))
    assert (result.score, result.reason) == (
        0.0,
        "answer_tag: the program ended before reporting (exit status 0)",
    )


def test_printing_code_does_not_matter():
    noisy = item(
        "output", code="def f(x):\n    print('noise' * 100)\n    return x * 2", call_input="3", output="6"
    )
    assert grade("[ANSWER]assert f(3) == 6[/ANSWER]", noisy).score == 1.0


def test_extract_and_split_the_assertion():
    assert extract_assertion("[ANSWER]\n```\nassert f(1) == 2\n```\n[/ANSWER]") == (
        "assert f(1) == 2",
        "answer_tag",
    )
    assert assertion_parts("assert f(1, 'x') == {'a': [1]}") == ("f(1, 'x')", "{'a': [1]}")
    assert assertion_parts("some words\nassert f(1) == 2") == ("f(1)", "2")
    assert assertion_parts("assert f(1) == 2 == 3 garbage") == ("f(1)", "2")  # upstream's split at '=='
