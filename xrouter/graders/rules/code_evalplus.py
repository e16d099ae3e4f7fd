"""Grader ``evalplus`` (HumanEval+ and MBPP+): differential testing against the reference solution, by the
rules of EvalPlus (evalplus/evalplus @26d6d00: ``evaluate.py``, ``eval/__init__.py``, ``eval/_special_oracle.py``,
``data/mbpp.py``, ``sanitize.py``, ``config.py``).

1. Code: `extract_code`, then `definitions_only` (EvalPlus sanitises chat answers the same way), so example
   calls and asserts that a model appends do not run.
2. Expected outputs: the reference (``gold["reference"]``) called on its own copy of each base and plus
   input, each call timed, in a sandboxed run of its own; for the MBPP+ tasks whose outputs are regex
   matches only ``output is not None`` is kept. They are computed once per distinct item and cached in
   memory and under `cache_dir()`. Outputs too large to keep (over `MAX_CACHED_BYTES` pickled: HumanEval/15
   and /130, Mbpp/255 return megabytes) are not: only their times are, and the response's run calls the
   reference just before the response on each test.
3. The response runs in one sandboxed process: the base tests, then the plus tests, each phase on a fresh
   exec of the code, stopping at the first failure (EvalPlus's default ``fast_check``). Each call may take
   max(4 s, 4 x the reference's time); the process min(60 s, sum of its calls' limits) + 2 s per phase,
   plus `_STARTUP_S` and twice the reference's time where it runs alongside. Score 1 only when every base
   and plus test passes.
4. A test passes when ``out == expected``; failing that, when the item has an ``atol`` (the first float or
   flat list of floats among the expected outputs turns a zero atol into 1e-6 for that phase, as upstream),
   type and length agree and ``numpy.allclose(out, expected, rtol=1e-7, atol=atol)``. Special oracles as
   upstream: HumanEval/32 (|poly(xs, out)| <= atol); MBPP+ set equality (8 tasks), ``is not None``
   (3), ``are_equivalent`` (any output), ``sum_div`` (or 0), ``surface_Area`` and ``digit_distance_nums``
   (or the oracle's own answer).

MBPP+ inputs are stored as JSON; tuples, sets and complex numbers are restored per task as EvalPlus's
``mbpp_deserialize_inputs`` does (`_child_restore_mbpp`), for the reference and the response alike.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.code_common import (
    VERDICT_PREFIX,
    _child_call_with_limit,
    _child_entry,
    _ChildTimeout,
    child_program,
    compile_error,
    definitions_only,
    died,
    extract_code,
    run_child,
)
from xrouter.graders.sandbox import ExecResult

MIN_TIME_LIMIT_S = 4.0  # evalplus config.DEFAULT_MIN_TIME_LIMIT
TIME_LIMIT_FACTOR = 4.0  # evalplus config.DEFAULT_GT_TIME_LIMIT_FACTOR
PHASE_CAP_S = 60.0  # evalplus EVALPLUS_TIMEOUT_PER_TASK: the most one phase (base or plus) may take
MAX_CACHED_BYTES = 8 << 20  # expected outputs that pickle larger are recomputed each time, not cached
_STARTUP_S = 3.0  # interpreter start, reading the inputs, unpickling the expected outputs
_MEMORY_MB = 4096  # evalplus EVALPLUS_MAX_MEMORY_BYTES
_REFERENCE_TIMEOUT_S = 120.0  # the reference alone, on all inputs
_NOT_NONE_TASKS = ("check_str", "text_match_three", "text_starta_endb")
_CACHE_VERSION = 1  # bump when the harness changes what it records
_EXPECTED: dict[
    str, dict[str, Any]
] = {}  # cache key -> {"expected": base64 pickle | None, "times": [s, ...]}


class EvalPlusReferenceError(RuntimeError):
    """The item's reference solution failed: a data problem, not the response's."""


@register_grader("evalplus")
def grade_evalplus(response_text: str, item: BenchmarkItem) -> Grade:
    gold = item.gold
    extraction = extract_code(response_text)
    if extraction.code is None:
        return Grade(0.0, None, "no code found")
    code = definitions_only(extraction.code, gold["entry_point"])
    if (problem := compile_error(code)) is not None:
        return Grade(0.0, code, f"{extraction.rule}: does not compile ({problem})")
    oracle = expected_outputs(item)
    limits = [max(MIN_TIME_LIMIT_S, TIME_LIMIT_FACTOR * t) for t in oracle["times"]]
    n_base = len(gold["base_input"])
    phases = [part for part in (limits[:n_base], limits[n_base:]) if part]
    timeout_s = _STARTUP_S + sum(min(PHASE_CAP_S, sum(part)) + 2.0 for part in phases)
    if oracle["expected"] is None:
        timeout_s += 2.0 * sum(oracle["times"])  # the reference runs alongside
    verdict, result = _run(gold, code, oracle, timeout_s)
    if verdict is None:
        return Grade(0.0, code, f"{extraction.rule}: {died(result, timeout_s)}")
    if "reference_error" in verdict:
        raise EvalPlusReferenceError(f"{item.id}: the reference failed: {verdict['reference_error']}")
    score = 1.0 if verdict.get("passed") is True else 0.0
    return Grade(score, code, f"{extraction.rule}: {verdict.get('why')}")


def expected_outputs(item: BenchmarkItem) -> dict[str, Any]:
    """``{"expected": <base64 pickle of the outputs> | None, "times": [seconds per call]}`` of the reference
    on the item's base then plus inputs, from memory, else the disk cache, else computed in the sandbox
    (raises `EvalPlusReferenceError` if the reference fails). ``expected`` is None when the outputs are too
    large to keep. The pickle is only ever loaded inside the sandbox."""
    key = _cache_key(item.gold)
    if key in _EXPECTED:
        return _EXPECTED[key]
    path = cache_dir() / f"{item.gold['task_id'].replace('/', '_')}-{key}.json"
    try:
        _EXPECTED[key] = json.loads(path.read_text(encoding="utf-8"))
        return _EXPECTED[key]
    except (OSError, ValueError):
        pass
    verdict, result = _run(item.gold, None, None, _REFERENCE_TIMEOUT_S)
    if verdict is None or "reference_error" in verdict:
        why = died(result, _REFERENCE_TIMEOUT_S) if verdict is None else verdict["reference_error"]
        raise EvalPlusReferenceError(f"{item.id}: the reference failed: {why}")
    _EXPECTED[key] = {"expected": verdict["expected"], "times": verdict["times"]}
    _write_atomically(path, json.dumps(_EXPECTED[key]))
    return _EXPECTED[key]


def _run(
    gold: dict[str, Any], code: str | None, oracle: dict[str, Any] | None, timeout_s: float
) -> tuple[dict[str, Any] | None, ExecResult]:
    """`_child_check` on the response ``code`` against the cached ``oracle``; with neither (``None``), the
    reference alone, recording its outputs and times."""
    payload = {
        "task_id": gold["task_id"],
        "entry_point": gold["entry_point"],
        "base": gold["base_input"],
        "plus": gold["plus_input"],
        "atol": gold["atol"],
        "code": code,
        "reference": None if oracle and oracle["expected"] else gold["reference"],
        "expected": oracle and oracle["expected"],
        "times": oracle and oracle["times"],
        "not_none": gold["task_id"].startswith("Mbpp/") and gold["entry_point"] in _NOT_NONE_TASKS,
        "min_limit": MIN_TIME_LIMIT_S,
        "factor": TIME_LIMIT_FACTOR,
        "max_bytes": MAX_CACHED_BYTES,
    }
    program = child_program(
        _ChildTimeout, _child_call_with_limit, _child_entry, _child_restore_mbpp, _child_oracles, _child_compare,
        _child_check, call=f"_child_entry(_child_check, {VERDICT_PREFIX!r})",
    )  # fmt: skip
    max_output_bytes = (1 << 20) + (0 if code else 2 * MAX_CACHED_BYTES)  # the reference reports its outputs
    return run_child(
        program, payload, timeout_s=timeout_s, memory_mb=_MEMORY_MB, max_output_bytes=max_output_bytes
    )


def cache_dir() -> Path:
    """Where expected outputs are kept: ``$XROUTER_CACHE/evalplus``, else ``~/.cache/xrouter/evalplus``."""
    return Path(os.environ.get("XROUTER_CACHE", Path.home() / ".cache" / "xrouter")) / "evalplus"


def _cache_key(gold: dict[str, Any]) -> str:
    fields = ("task_id", "entry_point", "reference", "base_input", "plus_input")
    identity = json.dumps([_CACHE_VERSION, *(gold[k] for k in fields)])
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


def _write_atomically(path: Path, text: str) -> None:
    """Best effort: a cache that cannot be written only costs a recomputation next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------------------
# Harness functions, shipped to the sandbox by `child_program`.


def _child_restore_mbpp(task_id, inputs):
    """MBPP+ argument lists with tuples, sets and complex numbers restored (EvalPlus mbpp_deserialize_inputs)."""
    if not task_id.startswith("Mbpp/"):
        return inputs
    t = tuple

    def deep(value):
        return t(deep(v) for v in value) if isinstance(value, list) else value

    # fmt: off
    restore = {
        **dict.fromkeys((2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630,
                         726, 740, 744, 809), lambda a: [t(x) for x in a]),
        **dict.fromkeys((63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780),
                        lambda a: [[t(y) for y in x] for x in a]),
        **dict.fromkeys((75, 413, 444, 753), lambda a: [[t(y) for y in a[0]], a[1]]),
        **dict.fromkeys((106, 750), lambda a: [a[0], t(a[1])]),
        115: lambda a: [[set(x) if isinstance(x, list) and x else {} for x in a[0]]],
        124: lambda a: (float(a[0]), complex(a[1])),
        **dict.fromkeys((250, 405, 446, 617, 720, 763, 808), lambda a: [t(a[0]), a[1]]),
        252: lambda a: [complex(a[0])],
        **dict.fromkeys((259, 401, 445), lambda a: [t(t(y) for y in x) for x in a]),
        278: lambda a: [t(t(x) if isinstance(x, list) else x for x in a[0])],
        307: lambda a: [t(a[0]), a[1], a[2]],
        722: lambda a: [{k: t(v) for k, v in a[0].items()}, *a[1:]],
        **dict.fromkeys((580, 615, 791), deep),
    }.get(int(task_id.split("/")[-1]))
    # fmt: on
    return inputs if restore is None else [restore(args) for args in inputs]


def _child_oracles(task_id, name, args, out, exp, atol):
    """EvalPlus's exact-match verdict with the MBPP+ special oracles applied."""
    import math

    exact = out == exp
    if not task_id.startswith("Mbpp/"):
        return exact
    if name == "are_equivalent":  # Mbpp/164
        return True
    if name == "sum_div":  # Mbpp/295
        return exact or out == 0
    if name == "surface_Area":  # Mbpp/581: height read as the perpendicular height
        base, height = args
        area = base**2 + 2 * base * math.sqrt((base / 2) ** 2 + height**2)
        return exact or abs(out - round(area)) <= atol
    if name == "digit_distance_nums":  # Mbpp/558: the shorter number zero-padded
        a, b = str(args[0]), str(args[1])
        width = max(len(a), len(b))
        return exact or out == sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(width), b.zfill(width)))
    if name in ("similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
                "intersection_array", "find_dissimilar", "Diff"):  # fmt: skip
        return set(out) == set(exp)
    if name in ("check_str", "text_match_three", "text_starta_endb"):
        return out == exp if isinstance(out, bool) else exp == (out is not None)
    return exact


def _child_compare(task_id, name, args, out, exp, atol):
    """(passed, the atol for the next test of the phase)."""
    if task_id == "HumanEval/32":  # find_zero: any root will do
        import math

        return abs(sum(c * math.pow(out, i) for i, c in enumerate(args[0]))) <= atol, atol
    exact = _child_oracles(task_id, name, args, out, exp, atol)
    floats = isinstance(exp, float) or (
        isinstance(exp, (list, tuple)) and len(exp) > 0 and all(isinstance(v, float) for v in exp)
    )
    if atol == 0 and floats:
        atol = 1e-6
    if exact or atol == 0:
        return bool(exact), atol
    import os

    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import numpy

    if type(out) is not type(exp) or (isinstance(exp, (list, tuple)) and len(out) != len(exp)):
        return False, atol
    return bool(numpy.allclose(out, exp, rtol=1e-07, atol=atol)), atol


def _child_check(payload):
    """Run the response (``code``) on every test against the expected outputs, or where they are not kept
    against the reference called just before it; with no response, call the reference alone and report its
    times and outputs (None when over ``max_bytes``) for the cache."""
    import base64
    import pickle
    import time

    task_id, name, not_none = payload["task_id"], payload["entry_point"], payload["not_none"]
    expected = payload["expected"] and pickle.loads(base64.b64decode(payload["expected"]))
    code = payload["code"] and compile(payload["code"], "solution.py", "exec")
    outputs, size, times, index, counts = [], 0, [], 0, []
    for phase in ("base", "plus"):
        inputs = _child_restore_mbpp(task_id, payload[phase])
        counts.append(f"{len(inputs)} {phase}")
        if not inputs:
            continue
        if not expected:  # the reference, on its own copy of the inputs
            reference_inputs, reference = _child_restore_mbpp(task_id, payload[phase]), {}
            exec(compile(payload["reference"], "reference.py", "exec"), reference)  # noqa: S102 -- sandboxed
        if code:
            namespace = {}
            try:
                _child_call_with_limit(exec, (code, namespace), payload["min_limit"])
            except BaseException as exc:  # noqa: BLE001
                return {"passed": False, "why": f"defining the solution raised {type(exc).__name__}"}
            fn, atol = namespace.get(name), payload["atol"]
            if not callable(fn):
                return {"passed": False, "why": f"{name!r} is not defined"}
        for number, args in enumerate(inputs):
            if expected:
                exp = expected[index]
            else:
                try:
                    start = time.perf_counter()
                    exp = reference[name](*reference_inputs[number])
                    spent = time.perf_counter() - start
                except BaseException as exc:  # noqa: BLE001
                    return {"passed": False, "reference_error": f"{type(exc).__name__} on {phase} {number}"}
                exp = exp is not None if not_none else exp
            index += 1
            if not code:  # the reference alone: record
                times.append(spent)
                if outputs is not None:
                    outputs.append(exp)
                    size += len(pickle.dumps(exp))
                    outputs = outputs if size <= payload["max_bytes"] else None  # too large to keep
                continue
            limit = max(payload["min_limit"], payload["factor"] * payload["times"][index - 1])
            try:
                out = _child_call_with_limit(fn, args, limit)
                passed, atol = _child_compare(task_id, name, args, out, exp, atol)
            except _ChildTimeout:
                return {"passed": False, "why": f"timeout on {phase} test {number} (limit {limit:g} s)"}
            except BaseException as exc:  # noqa: BLE001 -- SystemExit included
                return {"passed": False, "why": f"{type(exc).__name__} on {phase} test {number}"}
            if not passed:
                return {"passed": False, "why": f"wrong output on {phase} test {number}"}
    if not code:
        encoded = None if outputs is None else base64.b64encode(pickle.dumps(outputs)).decode()
        return {"passed": True, "times": times, "expected": encoded}
    return {"passed": True, "why": f"passed {' and '.join(counts)} tests"}
