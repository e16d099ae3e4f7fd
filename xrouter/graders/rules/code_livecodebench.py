"""Grader ``livecodebench``: the response's program must pass every public test, by LiveCodeBench's rules
(LiveCodeBench/LiveCodeBench @28fef95: ``lcb_runner/evaluation/testing_util.py``,
``compute_code_generation_metrics.py``).

- Code: `extract_code`. It runs after LCB's prelude (`PRELUDE`: star imports of string, re, collections,
  heapq, math, typing, ... and ``sys.setrecursionlimit(50000)``), so a solution that uses ``List`` or
  ``defaultdict`` without importing them passes, as upstream; ``sys.set_int_max_str_digits(50000)``.
- stdin tests: one sandboxed process per test with the test input on its real stdin, `TIMEOUT_S` per test
  (LCB's default), ``SystemExit`` counts as a normal end and any other exception fails. Upstream instead
  wraps the program in a function and mocks ``sys.stdin`` in one process; a real stdin serves the same
  reads (``input()``, ``sys.stdin.read()``, ``sys.stdin.buffer``, ``open(0)``) without the mock's quirks.
  Outputs match as upstream: both texts stripped and split at newlines, each line stripped; the line counts
  must agree and each line be equal, or equal as a list of Decimals of its whitespace-separated tokens.
- functional tests: one sandboxed process for all of them, given the inputs only; ``Solution()`` if the
  code defines that class (else the module) provides ``func_name``, called with one JSON value per input
  line, `TIMEOUT_S` per call; each result is reported as plain data (`code_values`) and compared in the
  parent: a tuple counts as a list (JSON has no tuples), then it must be `same` as the JSON-parsed expected
  output (type-strict: ``True`` is not ``1``; an int and a float of equal value agree, as ``==``).

Tests run in order and stop at the first failure; score 1 only when all public tests pass.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.code_common import (
    _child_call_with_limit,
    _child_entry,
    _ChildTimeout,
    child_program,
    compile_error,
    died,
    extract_code,
    run_child,
)
from xrouter.graders.rules.code_values import BadRecord, _child_encode, decode, same
from xrouter.graders.sandbox import run_python

TIMEOUT_S = 6.0  # run_test(timeout=6)
_STARTUP_S = 1.0
_MEMORY_MB = 4096
_MAX_OUTPUT_BYTES = 1 << 20
_PRELUDE_MODULES = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                    "statistics", "itertools", "functools", "operator", "io", "sys", "json")  # fmt: skip
PRELUDE = (
    "".join(f"from {m} import *\n" for m in (*_PRELUDE_MODULES, "builtins", "typing"))
    + "".join(f"import {m}\n" for m in _PRELUDE_MODULES)
    + "sys.setrecursionlimit(50000)\n"
)
_STDIN_RUNNER = """import builtins, sys
sys.set_int_max_str_digits(50000)
_namespace = {{"__name__": "__main__", "__builtins__": builtins}}
exec({prelude!r}, _namespace)
try:
    exec(compile({code!r}, "solution.py", "exec"), _namespace)
except SystemExit:
    pass
"""


@register_grader("livecodebench")
def grade_livecodebench(response_text: str, item: BenchmarkItem) -> Grade:
    extraction = extract_code(response_text)
    if extraction.code is None:
        return Grade(0.0, None, "no code found")
    code = extraction.code
    if (problem := compile_error(code)) is not None:
        return Grade(0.0, code, f"{extraction.rule}: does not compile ({problem})")
    tests = item.gold["tests"]
    if all(test["testtype"] == "functional" for test in tests):
        passed, why = _functional(code, item.gold["func_name"], tests)
    else:
        passed, why = _stdin(code, tests)
    return Grade(1.0 if passed else 0.0, code, f"{extraction.rule}: {why}")


def outputs_match(printed: str, expected: str) -> bool:
    """LCB's stdout comparison: stripped lines, equal as text or as lists of Decimals."""
    got, want = _stripped_lines(printed), _stripped_lines(expected)
    return len(got) == len(want) and all(_line_matches(a, b) for a, b in zip(got, want))


def _line_matches(got: str, want: str) -> bool:
    if got == want:
        return True
    numbers = _decimals(got)
    return numbers is not None and numbers == _decimals(want)


def _stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(token) for token in line.split()]
    except (InvalidOperation, ValueError):
        return None


def _stdin(code: str, tests: list[dict[str, str]]) -> tuple[bool, str]:
    program = _STDIN_RUNNER.format(prelude=PRELUDE, code=code)
    for number, test in enumerate(tests):
        result = run_python(
            program,
            stdin=test["input"],
            timeout_s=TIMEOUT_S + _STARTUP_S,
            memory_mb=_MEMORY_MB,
            max_output_bytes=_MAX_OUTPUT_BYTES,
        )
        if result.status == "timeout":
            return False, f"stdin: timeout on test {number} (limit {TIMEOUT_S:g} s)"
        if result.status != "ok":
            return False, f"stdin: test {number}: {died(result, TIMEOUT_S + _STARTUP_S)}"
        if not outputs_match(result.stdout, test["output"]):
            return False, f"stdin: wrong answer on test {number}"
    return True, f"stdin: passed {len(tests)} tests"


def _functional(code: str, func_name: str, tests: list[dict[str, str]]) -> tuple[bool, str]:
    inputs = [test["input"] for test in tests]
    payload = {"prelude": PRELUDE, "code": code, "func_name": func_name, "limit": TIMEOUT_S, "inputs": inputs}
    timeout_s = (TIMEOUT_S + 1.0) * len(tests) + 5.0  # LCB's global timeout
    program = child_program(
        _ChildTimeout, _child_call_with_limit, _child_entry, _child_encode, _child_functional,
        call="_child_entry(_child_functional)",
    )  # fmt: skip
    records, result = run_child(
        program, payload, timeout_s=timeout_s, memory_mb=_MEMORY_MB, max_output_bytes=_MAX_OUTPUT_BYTES
    )
    for number, test in enumerate(tests):
        record = records[number] if number < len(records) else None
        if record is None:
            return False, f"functional: {died(result, timeout_s)}"
        if record.get("i") != number:
            why = record.get("error") if "i" not in record else None
            return False, f"functional: {str(why)[:200] if why else 'malformed report from the sandbox'}"
        if "timeout" in record:
            return False, f"functional: timeout on test {number} (limit {TIMEOUT_S:g} s)"
        if "error" in record:
            return False, f"functional: {str(record['error'])[:80]} on test {number}"
        try:
            out = decode(record.get("out"))
        except (BadRecord, RecursionError):
            return False, f"functional: unreadable output on test {number}"
        if not same(list(out) if type(out) is tuple else out, json.loads(test["output"])):
            return False, f"functional: wrong answer on test {number}"
    return True, f"functional: passed {len(tests)} tests"


def _child_functional(payload, report):
    import builtins
    import json
    import sys

    sys.set_int_max_str_digits(50000)
    namespace = {"__name__": "solution", "__builtins__": builtins}
    limit, name = payload["limit"], payload["func_name"]
    try:
        exec(payload["prelude"], namespace)  # noqa: S102 -- the sandbox runs this
        _child_call_with_limit(exec, (compile(payload["code"], "solution.py", "exec"), namespace), limit)
        solution = namespace.get("Solution")
        method = getattr(solution(), name, None) if isinstance(solution, type) else None
        method = method or namespace.get(name)
    except BaseException as exc:  # noqa: BLE001
        report({"error": f"defining the solution raised {type(exc).__name__}"})
        return
    if not callable(method):
        report({"error": f"{name!r} is not defined"})
        return
    for number, text in enumerate(payload["inputs"]):
        args = [json.loads(line) for line in text.split("\n")]
        try:
            out = _child_call_with_limit(method, args, limit)
            encoded = _child_encode(out)
        except _ChildTimeout:
            report({"i": number, "timeout": limit})
            return
        except BaseException as exc:  # noqa: BLE001
            report({"i": number, "error": type(exc).__name__})
            return
        report({"i": number, "out": encoded})
