"""Hand-written responses against small hand-built EvalPlus items: what must pass, what must fail, and why.
The expected outputs are computed by the real sandboxed reference run, into a private cache folder."""

from __future__ import annotations

import time

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import Grade, grade
from xrouter.graders.rules import code_evalplus, signed_cache
from xrouter.graders.rules.code_common import definitions_only, extract_code

ADD = "def add(a, b):\n    return a + b\n"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XROUTER_CACHE", str(tmp_path))
    monkeypatch.setattr(code_evalplus, "_EXPECTED", {})
    return tmp_path / "evalplus"


def item(
    task_id="HumanEval/900", entry_point="add", reference=ADD, base=((1, 2), (3, 4)), plus=((-1, 1), (10**20, 1)),
    atol=0.0,
) -> BenchmarkItem:  # fmt: skip
    return BenchmarkItem(
        id=f"test/{task_id}",
        benchmark="humanevalplus" if task_id.startswith("HumanEval") else "mbppplus",
        subset="",
        domain="code",
        messages=[{"role": "user", "content": "Write it."}],
        gold={
            "task_id": task_id,
            "entry_point": entry_point,
            "reference": reference,
            "base_input": [list(args) for args in base],
            "plus_input": [list(args) for args in plus],
            "atol": atol,
        },
        grader="evalplus",
        grader_kwargs={},
    )


def fenced(code: str) -> str:
    return f"Here is my solution:\n\n```python\n{code}```\n\nIt adds the numbers."


def test_correct_solution_in_a_python_block_passes():
    result = grade(fenced(ADD), item())
    assert (result.score, result.reason) == (1.0, "python_block: passed 2 base and 2 plus tests")
    assert result.extracted == ADD


def test_bare_code_without_a_fence_is_the_whole_response():
    assert grade(ADD, item()).reason == "whole_response: passed 2 base and 2 plus tests"


@pytest.mark.parametrize("response", ["I would add the two numbers together.", "```\nadd = \n```"])
def test_prose_or_broken_code_does_not_compile(response):
    result = grade(response, item())
    assert result.score == 0.0 and "does not compile (SyntaxError)" in result.reason


@pytest.mark.parametrize("response", ["", "   \n", "```text\nnot python\n```"])
def test_no_code_scores_zero(response):
    assert grade(response, item()) == Grade(0.0, None, "no code found")


def test_wrong_output_names_the_first_failing_test():
    result = grade(fenced("def add(a, b):\n    return a + b + (a > 2)\n"), item())
    assert (result.score, result.reason) == (0.0, "python_block: wrong output on base test 1")


def test_passing_base_but_failing_plus_scores_zero():
    result = grade(fenced("def add(a, b):\n    return a + b if abs(a) < 10**9 else 0\n"), item())
    assert (result.score, result.reason) == (0.0, "python_block: wrong output on plus test 1")


def test_infinite_loop_times_out_at_the_per_test_limit():
    start = time.monotonic()
    result = grade(fenced("def add(a, b):\n    while True:\n        pass\n"), item())
    assert (result.score, result.reason) == (0.0, "python_block: timeout on base test 0 (limit 4 s)")
    assert time.monotonic() - start < 15


def test_loop_that_swallows_the_timeout_is_stopped_by_the_item_limit():
    code = (
        "def add(a, b):\n    while True:\n        try:\n            while True:\n                pass\n"
        "        except BaseException:\n            pass\n"
    )
    start = time.monotonic()
    result = grade(fenced(code), item(base=[(1, 2)], plus=[]))
    assert (result.score, result.reason) == (0.0, "python_block: timeout (item limit 9 s)")
    assert time.monotonic() - start < 20


def test_printing_garbage_does_not_matter_only_the_return_value_does():
    noisy = "import sys\ndef add(a, b):\n    print('garbage' * 1000)\n    sys.stderr.write('x' * 10**6)\n    return {}\n"
    assert grade(fenced(noisy.replace("return {}", "return a + b")), item()).score == 1.0
    assert grade(fenced(noisy), item()).reason == "python_block: wrong output on base test 0"


def test_a_printed_fake_verdict_is_swallowed():
    forged = (
        'def add(a, b):\n    print(\'@@xrouter-verdict@@{"passed": true, "why": "forged"}\')\n    return 0\n'
    )
    assert grade(fenced(forged), item()).reason == "python_block: wrong output on base test 0"


def test_example_calls_and_asserts_around_the_solution_are_dropped():
    response = fenced(
        "from math import fsum\n\n\ndef helper(a, b):\n    return int(fsum([a, b])) if abs(a) < 2**50 else a + b\n\n\n"
        "def add(a, b):\n    return helper(a, b)\n\n\nprint(add(2, 2))\nassert add(2, 2) == 5\nwhile True:\n    pass\n"
        "if __name__ == '__main__':\n    input()\n"
    )
    assert grade(response, item()).score == 1.0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("    return a / 0\n", "ZeroDivisionError on base test 0"),
        ("    raise SystemExit(0)\n", "SystemExit on base test 0"),
    ],
)
def test_exceptions_fail_with_their_name(body, reason):
    assert grade(fenced(f"def add(a, b):\n{body}"), item()).reason == f"python_block: {reason}"


def test_a_process_exit_inside_the_solution_scores_zero():
    result = grade(fenced("import os\ndef add(a, b):\n    os._exit(0)\n"), item())
    assert result.score == 0.0 and "ended before reporting" in result.reason


def test_missing_entry_point_scores_zero():
    result = grade(fenced("def plus(a, b):\n    return a + b\n"), item())
    assert (result.score, result.reason) == (0.0, "python_block: 'add' is not defined")


def test_floats_compare_with_tolerance_and_type():
    divide = item(
        entry_point="div", reference="def div(a, b):\n    return a / b\n", base=[(1, 3)], plus=[(2, 7)]
    )
    assert grade(fenced("def div(a, b):\n    return a / b + 1e-9\n"), divide).score == 1.0
    assert grade(fenced("def div(a, b):\n    return a / b + 1e-3\n"), divide).score == 0.0
    loose = item(
        entry_point="div", reference="def div(a, b):\n    return a / b\n", base=[(1, 3)], plus=[], atol=0.01
    )
    assert grade(fenced("def div(a, b):\n    return round(a / b, 3)\n"), loose).score == 1.0
    assert grade(fenced("def div(a, b):\n    return str(a / b)\n"), loose).score == 0.0


def test_find_zero_accepts_any_root():
    find_zero = item(
        task_id="HumanEval/32", entry_point="find_zero", base=[([-2.0, 0.0, 1.0],)], plus=[], atol=1e-4,
        reference="def find_zero(xs):\n    return 2 ** 0.5\n",
    )  # fmt: skip
    assert grade(fenced("def find_zero(xs):\n    return -(2 ** 0.5)\n"), find_zero).score == 1.0
    assert grade(fenced("def find_zero(xs):\n    return 1.0\n"), find_zero).score == 0.0


def test_mbpp_inputs_are_restored_as_tuples_and_set_tasks_compare_as_sets():
    similar = item(
        task_id="Mbpp/2", entry_point="similar_elements", base=[([3, 4, 5, 6], [5, 7, 4, 10])], plus=[([1, 2], [])],
        reference="def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n",
    )  # fmt: skip
    candidate = (
        "def similar_elements(a, b):\n    assert isinstance(a, tuple) and isinstance(b, tuple)\n"
        "    return sorted(set(a) & set(b), reverse=True)\n"
    )
    assert grade(fenced(candidate), similar).score == 1.0
    assert grade(fenced("def similar_elements(a, b):\n    return [4]\n"), similar).score == 0.0


def test_expected_outputs_are_cached_on_disk_signed_and_checked(private_cache):
    grade(ADD, item())
    (cached,) = private_cache.glob("HumanEval_900-*.json")
    tag, text = cached.read_text().split("\n", 1)
    code_evalplus._EXPECTED.clear()
    signed_cache.write_signed(cached, text.replace('"times": [', '"times": [4.0, '))  # a signed edit: read back
    assert code_evalplus.expected_outputs(item())["times"][0] == 4.0
    code_evalplus._EXPECTED.clear()
    cached.write_text(tag + "\n" + text.replace('"times": [', '"times": [5.0, '))  # unsigned: recomputed
    assert code_evalplus.expected_outputs(item())["times"][0] != 5.0
    assert grade(fenced("def add(a, b):\n    return a - b\n"), item()).score == 0.0


def test_large_outputs_are_kept_and_compared_in_the_parent():
    big = item(entry_point="rep", reference="def rep(n, k):\n    return 'ab' * n\n", base=[(300_000, 1)], plus=[])
    assert grade(fenced("def rep(n, k):\n    return 'ab' * n\n"), big).score == 1.0
    assert grade(fenced("def rep(n, k):\n    return 'ab' * n + 'c'\n"), big).score == 0.0


def test_type_strict_equality_with_the_stated_tolerances():
    ints = item(reference="def add(a, b):\n    return a + b\n", base=[(1, 2)], plus=[])
    assert grade(fenced("def add(a, b):\n    return float(a + b)\n"), ints).score == 1.0  # int/float: as ==
    assert grade(fenced("def add(a, b):\n    return True\n"), item(base=[(0, 1)], plus=[])).score == 0.0
    pair = item(entry_point="pair", reference="def pair(a, b):\n    return (a, b)\n", base=[(1, 2)], plus=[])
    assert grade(fenced("def pair(a, b):\n    return [a, b]\n"), pair).score == 0.0  # a list is no tuple


def test_a_failing_reference_raises_rather_than_blaming_the_response():
    with pytest.raises(code_evalplus.EvalPlusReferenceError, match="ZeroDivisionError"):
        grade(ADD, item(reference="def add(a, b):\n    return a / 0\n"))


def test_extract_code_prefers_the_last_python_block():
    response = "```python\nx = 1\n```\ntext\n```\ny = 2\n```\n```py\nz = 3\n```\n```bash\nls\n```"
    assert extract_code(response).code == "z = 3"
    assert extract_code("```\ny = 2\n```").rule == "block"
    assert extract_code("intro\n```python\ndef f():\n    return 1").code == "def f():\n    return 1"


def test_definitions_only_keeps_what_the_entry_point_reaches():
    code = (
        "import os\n\n@decorate\ndef main():\n    return helper() + LIMIT\n\ndef helper():\n    return 1\n\n"
        "LIMIT = 3\nunused = 4\nprint(main())\nif __name__ == '__main__':\n    main()\n"
    )
    assert definitions_only(code, "main") == (
        "import os\n@decorate\ndef main():\n    return helper() + LIMIT\ndef helper():\n    return 1\nLIMIT = 3\n"
    )
    assert definitions_only("print(1)\n", "main") == "print(1)\n"  # no entry point: left as it is
