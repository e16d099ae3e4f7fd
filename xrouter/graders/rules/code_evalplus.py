"""Grader ``evalplus`` (HumanEval+ and MBPP+): differential testing against the reference solution, by the
rules of EvalPlus (evalplus/evalplus @26d6d00: ``evaluate.py``, ``eval/__init__.py``, ``eval/_special_oracle.py``,
``data/mbpp.py``, ``sanitize.py``, ``config.py``).

1. Code: `extract_code`, then `definitions_only` (EvalPlus sanitises chat answers the same way), so example
   calls and asserts that a model appends do not run.
2. Expected outputs: the reference (``gold["reference"]``) called on each base and plus input, each call
   timed, in a sandboxed run of its own that reports the outputs as plain data (`code_values`); for the
   MBPP+ tasks whose outputs are regex matches only ``output is not None`` is kept. They are computed once
   per distinct item, decoded and kept by the parent: in memory and under `cache_dir()`, each file signed
   with an HMAC whose key (``.hmac-key``, mode 0600) lives in the same folder (`signed_cache`); a file whose
   tag does not check out is recomputed. The sandbox never sees the cache folder, and no run of a response gets an
   expected value.
3. The response runs in one sandboxed process: the base tests, then the plus tests, each phase on a fresh
   exec of the code. The harness reports each output as plain data; the parent compares as they arrive and
   kills the run at the first failure (EvalPlus's default ``fast_check``). Each call may take max(4 s, 4 x
   the reference's time); the process min(60 s, sum of its calls' limits) + 2 s per phase, plus
   `_STARTUP_S`. Score 1 only when every base and plus test passes.
4. A test passes when ``same(out, expected)`` (type-strict equality, `code_values`: an int for a float of
   equal value is tolerated, as upstream's ``==``; ``True`` for ``1`` or a list for a tuple is not); failing
   that, when the item has an ``atol`` (the first float or flat list of floats among the expected outputs
   turns a zero atol into 1e-6 for that phase, as upstream), type and length agree and
   ``numpy.allclose(out, expected, rtol=1e-7, atol=atol)``. Special oracles as upstream: HumanEval/32
   (|poly(xs, out)| <= atol); MBPP+ set equality (8 tasks), ``is not None`` (3), ``are_equivalent`` (any
   output), ``sum_div`` (or 0), ``surface_Area`` and ``digit_distance_nums`` (or the oracle's own answer).
   All of it runs in the parent, on decoded values. Exception: an expected output that pickles over
   `HUGE_OUTPUT_BYTES` (Mbpp/255's, up to 1.3 GB of JSON for its 112 tests) is kept as the SHA-256 of its
   ``repr`` and the response's output is reported the same way: exact, type-strict (no float tolerance,
   ``2`` is not ``2.0``). A digest cannot be matched without producing that exact text, i.e. the answer.

MBPP+ inputs are stored as JSON; tuples, sets and complex numbers are restored per task as EvalPlus's
``mbpp_deserialize_inputs`` does (`_child_restore_mbpp`), for the reference, the response and the parent's
copy alike.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.code_common import (
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
from xrouter.graders.rules.code_values import BadRecord, _child_encode, decode, same
from xrouter.graders.rules.signed_cache import read_verified, write_signed
from xrouter.graders.sandbox import ExecResult

MIN_TIME_LIMIT_S = 4.0  # evalplus config.DEFAULT_MIN_TIME_LIMIT
TIME_LIMIT_FACTOR = 4.0  # evalplus config.DEFAULT_GT_TIME_LIMIT_FACTOR
PHASE_CAP_S = 60.0  # evalplus EVALPLUS_TIMEOUT_PER_TASK: the most one phase (base or plus) may take
_STARTUP_S = 3.0  # interpreter start, reading the inputs
_MEMORY_MB = 4096  # evalplus EVALPLUS_MAX_MEMORY_BYTES
_REFERENCE_TIMEOUT_S = 120.0  # the reference alone, on all inputs
_REFERENCE_OUTPUT_BYTES = 256 << 20  # what the reference may report
HUGE_OUTPUT_BYTES = 1 << 20  # an expected output that pickles larger is compared by digest (see 4.)
_NOT_NONE_TASKS = ("check_str", "text_match_three", "text_starta_endb")
_CACHE_VERSION = 3  # bump when the harness changes what it records
_EXPECTED: dict[str, dict[str, Any]] = {}  # cache key -> {"expected": [values], "times": [s], "size": bytes}


@dataclass(frozen=True)
class Digest:
    """An expected output too large to ship (`HUGE_OUTPUT_BYTES`): the SHA-256 of its ``repr``."""

    sha256: str


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
    watcher = _Judge(gold, oracle["expected"])
    digests = [i for i, exp in enumerate(oracle["expected"]) if isinstance(exp, Digest)]
    max_bytes = 2 * oracle["size"] + (1 << 20)
    records, result = _run(gold, code, limits, timeout_s, max_bytes, watcher.feed, digests)
    judge = _Judge(gold, oracle["expected"])
    for record in records:
        if judge.feed(record):
            break
    if judge.passed is None:
        return Grade(0.0, code, f"{extraction.rule}: {judge.why or died(result, timeout_s)}")
    return Grade(1.0 if judge.passed else 0.0, code, f"{extraction.rule}: {judge.why}")


class _Judge:
    """The parent's verdict, record by record: `feed` returns True once the outcome is known (the first
    failure, or every test passed); then ``passed`` (True/False) and ``why`` say it. ``passed`` stays None
    while tests are missing (the run died: the caller reports why)."""

    def __init__(self, gold: dict[str, Any], expected: list[Any]) -> None:
        self.task_id, self.name, self.expected = gold["task_id"], gold["entry_point"], expected
        self.inputs = restore_mbpp(self.task_id, gold["base_input"]) + restore_mbpp(
            self.task_id, gold["plus_input"]
        )
        self.n_base, self.gold_atol = len(gold["base_input"]), gold["atol"]
        self.atol, self.index = self.gold_atol, 0
        self.passed: bool | None = None
        self.why = ""

    def _test(self) -> str:
        i = self.index
        return f"base test {i}" if i < self.n_base else f"plus test {i - self.n_base}"

    def _fail(self, why: str) -> bool:
        self.passed, self.why = False, why
        return True

    def feed(self, record: dict[str, Any]) -> bool:
        if self.passed is not None:
            return True
        if record.get("i") != self.index:
            if "i" not in record and isinstance(record.get("error"), str):
                return self._fail(record["error"][:200])
            return self._fail("malformed report from the sandbox")
        if "timeout" in record:
            limit = record["timeout"]
            limit_text = f"{limit:g}" if type(limit) in (int, float) else "?"
            return self._fail(f"timeout on {self._test()} (limit {limit_text} s)")
        if "error" in record:
            return self._fail(f"{str(record['error'])[:80]} on {self._test()}")
        exp = self.expected[self.index]
        if isinstance(exp, Digest) or "digest" in record:
            if not (isinstance(exp, Digest) and record.get("digest") == exp.sha256):
                return self._fail(f"wrong output on {self._test()}")
            return self._passed()
        try:
            out = decode(record.get("out"))
        except (BadRecord, RecursionError):
            return self._fail(f"unreadable output on {self._test()}")
        if self.index == self.n_base:
            self.atol = self.gold_atol  # each phase starts from the item's atol
        try:
            passed, self.atol = compare(self.task_id, self.name, self.inputs[self.index], out, exp, self.atol)
        except Exception:  # noqa: BLE001 -- an output of the wrong shape for a special oracle
            passed = False
        if not passed:
            return self._fail(f"wrong output on {self._test()}")
        return self._passed()

    def _passed(self) -> bool:
        self.index += 1
        if self.index == len(self.expected):
            n_plus = len(self.expected) - self.n_base
            counts = " and ".join(
                f"{n} {p}" for n, p in ((self.n_base, "base"), (n_plus, "plus")) if n or p == "base"
            )
            self.passed, self.why = True, f"passed {counts} tests"
            return True
        return False


def expected_outputs(item: BenchmarkItem) -> dict[str, Any]:
    """``{"expected": [output per base then plus input], "times": [seconds per call], "size": bytes}`` of
    the reference, from memory, else the disk cache (written by this process only, HMAC-checked on read),
    else computed in the sandbox (raises `EvalPlusReferenceError` if the reference fails)."""
    key = _cache_key(item.gold)
    if key in _EXPECTED:
        return _EXPECTED[key]
    path = cache_dir() / f"{item.gold['task_id'].replace('/', '_')}-{key}.json"
    text = read_verified(path)
    if text is None:
        text = _compute_expected(item)
        write_signed(path, text)
    stored = json.loads(text)
    not_none = item.gold["task_id"].startswith("Mbpp/") and item.gold["entry_point"] in _NOT_NONE_TASKS
    digests = stored.get("digests", {})
    expected = [
        Digest(digests[str(i)]) if str(i) in digests else decode(v) for i, v in enumerate(stored["expected"])
    ]
    if not_none:  # the regex tasks: only whether there was a match
        expected = [value if isinstance(value, Digest) else value is not None for value in expected]
    _EXPECTED[key] = {"expected": expected, "times": stored["times"], "size": len(text)}
    return _EXPECTED[key]


def _compute_expected(item: BenchmarkItem) -> str:
    gold = item.gold
    n = len(gold["base_input"]) + len(gold["plus_input"])
    records, result = _run(gold, None, None, _REFERENCE_TIMEOUT_S, _REFERENCE_OUTPUT_BYTES, None)
    outputs = [r for r in records if ("out" in r or "digest" in r) and "t" in r]
    if len(outputs) != n or [r.get("i") for r in outputs] != list(range(n)):
        failed = next((r for r in records if "out" not in r and "digest" not in r), None)
        why = json.dumps(failed)[:200] if failed else died(result, _REFERENCE_TIMEOUT_S)
        raise EvalPlusReferenceError(f"{item.id}: the reference failed: {why}")
    for record in outputs:
        if "out" in record:
            decode(record["out"])  # raises on anything outside the encoding
    return json.dumps(
        {
            "expected": [r.get("out") for r in outputs],
            "digests": {str(r["i"]): r["digest"] for r in outputs if "digest" in r},
            "times": [r["t"] for r in outputs],
        }
    )


def _run(
    gold: dict[str, Any],
    code: str | None,
    limits: list[float] | None,
    timeout_s: float,
    max_output_bytes: int,
    watch: Any,
    digests: list[int] | None = None,
) -> tuple[list[dict[str, Any]], ExecResult]:
    """`_child_outputs` on the response ``code`` (each call limited by ``limits``), or with ``code=None``
    on the reference, recording its times."""
    payload = {
        "task_id": gold["task_id"],
        "entry_point": gold["entry_point"],
        "base": gold["base_input"],
        "plus": gold["plus_input"],
        "code": code if code is not None else gold["reference"],
        "limits": limits,
        "define_limit": MIN_TIME_LIMIT_S,
        "reference_limit": _REFERENCE_TIMEOUT_S,
        "digest_for": digests or [],
        "huge_bytes": HUGE_OUTPUT_BYTES,
    }
    program = child_program(
        _ChildTimeout, _child_call_with_limit, _child_entry, _child_encode, _child_restore_mbpp, _child_outputs,
        call="_child_entry(_child_outputs)",
    )  # fmt: skip
    return run_child(
        program, payload, watch, timeout_s=timeout_s, memory_mb=_MEMORY_MB, max_output_bytes=max_output_bytes
    )


def cache_dir() -> Path:
    """Where expected outputs are kept: ``$XROUTER_CACHE/evalplus``, else ``~/.cache/xrouter/evalplus``."""
    return Path(os.environ.get("XROUTER_CACHE", Path.home() / ".cache" / "xrouter")) / "evalplus"


def _cache_key(gold: dict[str, Any]) -> str:
    fields = ("task_id", "entry_point", "reference", "base_input", "plus_input")
    identity = json.dumps([_CACHE_VERSION, *(gold[k] for k in fields)])
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


def restore_mbpp(task_id: str, inputs: list[Any]) -> list[Any]:
    """The parent's copy of the inputs, restored as the child restores them."""
    return _child_restore_mbpp(task_id, json.loads(json.dumps(inputs)))


def oracles(task_id: str, name: str, args: Any, out: Any, exp: Any, atol: float) -> bool:
    """EvalPlus's exact-match verdict (type-strict: `same`) with the MBPP+ special oracles applied."""
    exact = same(out, exp)
    if not task_id.startswith("Mbpp/"):
        return exact
    if name == "are_equivalent":  # Mbpp/164
        return True
    if name == "sum_div":  # Mbpp/295
        return exact or same(out, 0)
    if name == "surface_Area":  # Mbpp/581: height read as the perpendicular height
        base, height = args
        area = base**2 + 2 * base * math.sqrt((base / 2) ** 2 + height**2)
        return exact or (type(out) in (int, float) and abs(out - round(area)) <= atol)
    if name == "digit_distance_nums":  # Mbpp/558: the shorter number zero-padded
        a, b = str(args[0]), str(args[1])
        width = max(len(a), len(b))
        return exact or same(out, sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(width), b.zfill(width))))
    if name in ("similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
                "intersection_array", "find_dissimilar", "Diff"):  # fmt: skip
        return type(out) in (list, tuple, set, frozenset) and set(out) == set(exp)
    if name in _NOT_NONE_TASKS:
        return same(out, exp) if type(out) is bool else exp == (out is not None)
    return exact


def compare(task_id: str, name: str, args: Any, out: Any, exp: Any, atol: float) -> tuple[bool, float]:
    """(passed, the atol for the next test of the phase), in the parent, on decoded plain values."""
    if task_id == "HumanEval/32":  # find_zero: any root will do
        if type(out) not in (int, float):
            return False, atol
        return abs(sum(c * math.pow(out, i) for i, c in enumerate(args[0]))) <= atol, atol
    exact = oracles(task_id, name, args, out, exp, atol)
    floats = type(exp) is float or (
        type(exp) in (list, tuple) and len(exp) > 0 and all(type(v) is float for v in exp)
    )
    if atol == 0 and floats:
        atol = 1e-6
    if exact or atol == 0:
        return bool(exact), atol
    if type(out) is not type(exp) or (type(exp) in (list, tuple) and len(out) != len(exp)):
        return False, atol
    numbers = (int, float)
    if not (type(exp) in numbers or all(type(v) in numbers for v in exp)):
        return False, atol
    import numpy

    return bool(numpy.allclose(out, exp, rtol=1e-07, atol=atol)), atol


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


def _child_outputs(payload, report):
    """Call the code's entry point on every base then plus input (a fresh exec of the code per phase) and
    report each output (encoded) with its time, in order; stop at the first exception or timeout. Outputs
    asked for by digest (and, for the reference, any that pickles over ``huge_bytes``) are reported as
    the SHA-256 of their repr; a response's output that pickles over 4 x ``huge_bytes`` is not encoded."""
    import hashlib
    import pickle
    import time

    def pickled_size(value):
        try:
            return len(pickle.dumps(value, protocol=5))
        except Exception:  # noqa: BLE001 -- unpicklable: encoded (as opaque) below
            return 0

    task_id, name, limits = payload["task_id"], payload["entry_point"], payload["limits"]
    digest_for, huge = set(payload["digest_for"]), payload["huge_bytes"]
    code = compile(payload["code"], "solution.py", "exec")
    index = 0
    for phase in ("base", "plus"):
        inputs = _child_restore_mbpp(task_id, payload[phase])
        if not inputs:
            continue
        namespace = {}
        try:
            _child_call_with_limit(exec, (code, namespace), payload["define_limit"])
        except BaseException as exc:  # noqa: BLE001
            report({"error": f"defining the solution raised {type(exc).__name__}"})
            return
        fn = namespace.get(name)
        if not callable(fn):
            report({"error": f"{name!r} is not defined"})
            return
        for args in inputs:
            limit = limits[index] if limits else payload["reference_limit"]
            try:
                start = time.perf_counter()
                out = _child_call_with_limit(fn, args, limit)
                spent = time.perf_counter() - start
                size = pickled_size(out) if limits is None or index not in digest_for else 0
                if index in digest_for or (limits is None and size > huge):
                    digest = hashlib.sha256(repr(out).encode("utf-8", "surrogatepass")).hexdigest()
                    report({"i": index, "digest": digest, "t": spent})
                    index += 1
                    continue
                if size > 4 * huge:
                    report({"i": index, "error": "an output far larger than expected"})
                    return
                encoded = _child_encode(out)
            except _ChildTimeout:
                report({"i": index, "timeout": limit})
                return
            except BaseException as exc:  # noqa: BLE001 -- SystemExit included
                report({"i": index, "error": type(exc).__name__})
                return
            report({"i": index, "out": encoded, "t": spent})
            index += 1
