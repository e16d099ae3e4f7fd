"""Hand-written programs against hand-built LiveCodeBench items, stdin and functional: pass/fail and why."""

from __future__ import annotations

import time

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules.code_livecodebench import outputs_match


def item(tests: list[dict[str, str]], func_name: str | None = None) -> BenchmarkItem:
    return BenchmarkItem(
        id="test/0",
        benchmark="livecodebench",
        subset="",
        domain="code",
        messages=[{"role": "user", "content": "Solve it."}],
        gold={"tests": tests, "starter_code": "", "func_name": func_name},
        grader="livecodebench",
        grader_kwargs={},
    )


SUM = item(
    [
        {"input": "2\n1 2\n", "output": "3\n", "testtype": "stdin"},
        {"input": "3\n10 -4 0.5\n", "output": "6.5\n", "testtype": "stdin"},
    ]
)
SHIFT = item(
    [
        {"input": "3\n[1, 2]", "output": "[4, 5]", "testtype": "functional"},
        {"input": "0\n[]", "output": "[]", "testtype": "functional"},
    ],
    func_name="shiftAll",
)


def fenced(code: str) -> str:
    return f"Reasoning first.\n\n```python\n{code}```\n"


@pytest.mark.parametrize(
    "code",
    [
        "n = int(input())\nprint(sum(map(float, input().split())))\n",  # 3.0 matches 3 as Decimals
        "import sys\ndata = sys.stdin.read().split()\nprint(sum(map(float, data[1:])))\n",
        "import sys\nprint(sum(float(x) for x in sys.stdin.buffer.read().split()[1:]))\n",
        "print(sum(map(float, open(0).read().split()[1:])), '  ')\nprint()\nprint()\n",  # whitespace is trimmed
        "def main():\n    input()\n    print(sum(map(float, input().split())))\n\nif __name__ == '__main__':\n    main()\n",
        "import sys\ninput()\nprint(sum(map(float, input().split())))\nsys.exit(3)\n",  # SystemExit ends normally
        "input()\nprint(reduce(add, map(float, input().split())))\n",  # LCB's prelude imports reduce and add
    ],
)
def test_stdin_solutions_pass(code):
    result = grade(fenced(code), SUM)
    assert (result.score, result.reason) == (1.0, "python_block: stdin: passed 2 tests"), result


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("input()\nprint(int(sum(map(float, input().split()))))\n", "stdin: wrong answer on test 1"),
        ("print('hello world')\nprint(3)\n", "stdin: wrong answer on test 0"),
        ("import random\nprint(random.random())\n" * 3, "stdin: wrong answer on test 0"),
        ("print(1 / 0)\n", "stdin: test 0: error: ZeroDivisionError: division by zero"),
    ],
)
def test_stdin_failures_score_zero(code, reason):
    result = grade(fenced(code), SUM)
    assert (result.score, result.reason) == (0.0, f"python_block: {reason}")


def test_stdin_infinite_loop_times_out():
    start = time.monotonic()
    result = grade(fenced("while True:\n    pass\n"), SUM)
    assert (result.score, result.reason) == (0.0, "python_block: stdin: timeout on test 0 (limit 6 s)")
    assert time.monotonic() - start < 15


def test_stdin_output_flood_is_cut_off():
    result = grade(fenced("while True:\n    print('garbage' * 100)\n"), SUM)
    assert result.score == 0.0 and "output_limit" in result.reason


@pytest.mark.parametrize(
    "code",
    [
        "class Solution:\n    def shiftAll(self, k: int, nums: List[int]) -> List[int]:\n        return [x + k for x in nums]\n",
        "class Solution:\n    def shiftAll(self, k, nums):\n        print('debug', k)\n        return tuple(x + k for x in nums)\n",
        "def shiftAll(k, nums):\n    return [x + k for x in nums]\n",  # no class: a module-level function
    ],
)
def test_functional_solutions_pass(code):
    result = grade(fenced(code), SHIFT)
    assert (result.score, result.reason) == (1.0, "python_block: functional: passed 2 tests"), result


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("class Solution:\n    def shiftAll(self, k, nums):\n        return [x + k + 1 for x in nums]\n", "wrong answer on test 0"),
        ("class Solution:\n    def shiftAll(self, k, nums):\n        return [x + k for x in nums] if k else nums[0]\n",
         "IndexError on test 1"),
        ("class Solution:\n    def shift(self, k, nums):\n        return nums\n", "'shiftAll' is not defined"),
        ("class Solution:\n    def shiftAll(self, k, nums):\n        return None\nraise ValueError\n",
         "defining the solution raised ValueError"),
    ],
)  # fmt: skip
def test_functional_failures_score_zero(code, reason):
    result = grade(fenced(code), SHIFT)
    assert (result.score, result.reason) == (0.0, f"python_block: functional: {reason}")


def test_functional_infinite_loop_times_out():
    start = time.monotonic()
    result = grade(
        fenced("class Solution:\n    def shiftAll(self, k, nums):\n        while True:\n            pass\n"),
        SHIFT,
    )
    assert (result.score, result.reason) == (0.0, "python_block: functional: timeout on test 0 (limit 6 s)")
    assert time.monotonic() - start < 15


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ("", "no code found"),
        ("The answer is to add them up.", "whole_response: does not compile (SyntaxError)"),
        ("```cpp\nint main() {}\n```", "no code found"),
    ],
)
def test_responses_without_code_score_zero(response, reason):
    result = grade(response, SUM)
    assert (result.score, result.reason) == (0.0, reason)


def test_bare_program_without_fence_is_graded_whole():
    assert grade("input()\nprint(sum(map(float, input().split())))\n", SUM).score == 1.0


@pytest.mark.parametrize(
    ("printed", "expected", "same"),
    [
        ("3\n", "3", True),
        ("  1 2  \n3\n\n", "1 2\n3", True),
        ("1.50 2\n", "1.5 2", True),
        ("1 2", "1  2", True),  # different text, the same tokens as Decimals
        ("1\n2\n", "1 2\n", False),
        ("Yes", "YES", False),
        ("1.5000001", "1.5", False),
    ],
)
def test_outputs_match_lines_then_decimals(printed, expected, same):
    assert outputs_match(printed, expected) is same
