"""Shared by the code graders: find the program in a response, keep its definitions, and run grader harnesses
in the sandbox.

`extract_code` takes the first rule that finds something, and names it:

- ``python_block``: the last fenced block tagged python, py or python3 (a block left open at the end of a
  truncated response runs to the end of the text);
- ``block``: the last fenced block without a tag;
- ``whole_response``: the whole response, when it has no fence at all;
- ``none``: nothing (an empty response, or fenced blocks only in other languages).

`definitions_only` keeps the part of a program that defines things (EvalPlus's sanitiser, `evalplus/sanitize.py`):
the top-level imports, and the functions, classes and assignments that a given name reaches; example calls,
asserts, prints and ``if __name__ == "__main__":`` blocks are dropped.

Harnesses. A grader that needs more than "what did the program print" runs a harness: plain functions
written in the grader module (named ``_child_*``, importing what they use), shipped as source by
`child_program`, as the sandbox ships its own prelude. The parent sends only inputs (JSON on stdin, values in
`code_values`' encoding); the harness swallows whatever the graded code prints and reports what the code
returned, one record per line (`code_values`), then ends the process at once. The parent alone holds the
expected values and decides (`run_child` returns the records; each grader compares them): nothing the child
prints is a verdict, so a forged line only claims an output, as returning it would.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, grade
from xrouter.graders.rules.code_values import read_records
from xrouter.graders.sandbox import ExecResult, run_python
from xrouter.graders.sandbox.runner import Watch

PYTHON_TAGS = ("python", "py", "python3")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)  # what compiling odd text can raise
_WARNINGS_LOCK = threading.Lock()  # catch_warnings swaps process-wide state: one thread at a time


@dataclass(frozen=True)
class CodeExtraction:
    """The program found (None when none) and the name of the rule that found it."""

    code: str | None
    rule: str


def extract_code(response_text: str) -> CodeExtraction:
    """The program in a model's response, by the first rule of the module docstring that finds one."""
    blocks: list[tuple[str, str]] = []  # (tag, text)
    tag, lines, fenced = None, [], False
    for line in response_text.splitlines():
        stripped = line.strip()
        if tag is None and stripped.startswith("```"):
            tag, lines, fenced = (stripped[3:].split() or [""])[0].lower(), [], True
        elif tag is not None and stripped.startswith("```"):
            blocks.append((tag, textwrap.dedent("\n".join(lines))))
            tag = None
        elif tag is not None:
            lines.append(line)
    if tag is not None:  # a block left open by a truncated response
        blocks.append((tag, textwrap.dedent("\n".join(lines))))
    for rule, wanted in (("python_block", PYTHON_TAGS), ("block", ("",))):
        found = [text for block_tag, text in blocks if block_tag in wanted and text.strip()]
        if found:
            return CodeExtraction(found[-1], rule)
    if not fenced and response_text.strip():
        return CodeExtraction(response_text, "whole_response")
    return CodeExtraction(None, "none")


def definitions_only(code: str, entry_point: str) -> str:
    """``code``'s top-level imports and the definitions reachable from ``entry_point``, in source order.

    Unlike EvalPlus's tree-sitter sanitiser, decorated functions and functions without a return statement
    are kept, and a name defined twice keeps both definitions (Python's rule: the last one wins). Code that
    does not parse, or that defines no ``entry_point`` at top level, is returned unchanged.
    """
    try:
        tree = quiet_parse(code)
    except UNPARSABLE:
        return code
    defined: dict[int, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for index, node in enumerate(tree.body):
        if isinstance(node, _DEFINITIONS):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", node)]
            names = {getattr(node, "name", None)} | {
                n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)
            }
            defined[index] = names - {None}
            referenced = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            referenced |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            for name in defined[index]:
                uses.setdefault(name, set()).update(referenced)
    if not any(entry_point in names for names in defined.values()):
        return code
    reached, queue = {entry_point}, [entry_point]
    while queue:
        for name in uses.get(queue.pop(), ()):
            if name not in reached:
                reached.add(name)
                queue.append(name)
    kept = [
        node
        for index, node in enumerate(tree.body)
        if isinstance(node, (ast.Import, ast.ImportFrom)) or defined.get(index, set()) & reached
    ]
    lines = code.splitlines()
    spans = [
        (min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]), n.end_lineno) for n in kept
    ]
    return "".join("\n".join(lines[start - 1 : end]) + "\n" for start, end in spans)


def quiet_parse(source: str, mode: str = "exec") -> ast.AST:
    """`ast.parse` without the SyntaxWarning/DeprecationWarning that odd code (``"\\d"``) would print;
    raises what compiling odd text can raise (`UNPARSABLE`)."""
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode=mode)


def compile_error(code: str) -> str | None:
    """None if ``code`` compiles, else the name of the error (compiled quietly, never run)."""
    try:
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "solution.py", "exec")
    except UNPARSABLE as exc:
        return type(exc).__name__
    return None


def child_program(*functions: Callable[..., Any] | type, call: str) -> str:
    """A harness program: the source of ``functions`` (and classes), then the statement ``call``."""
    return "\n\n".join(inspect.getsource(fn) for fn in functions) + f"\n\n{call}\n"


def run_child(
    program: str, payload: Any, watch: Watch | None = None, **limits: Any
) -> tuple[list[dict[str, Any]], ExecResult]:
    """Run a harness with ``payload`` as JSON on stdin; its records (`read_records`) and the result.
    ``watch`` gets each complete record as it arrives and returns True to stop the run early."""
    stream_watch = None
    if watch is not None:
        pending = bytearray()

        def stream_watch(chunk: bytes) -> bool:
            pending.extend(chunk)
            *lines, rest = pending.split(b"\n")
            pending[:] = rest
            return any(watch(record) for record in read_records(b"\n".join(lines).decode("utf-8", "replace")))

    result = run_python(program, stdin=json.dumps(payload), watch=stream_watch, **limits)
    return read_records(result.stdout), result


def died(result: ExecResult, limit_s: float) -> str:
    """Why a child gave no verdict, in a few words."""
    if result.status == "timeout":
        return f"timeout (item limit {limit_s:g} s)"
    if result.status == "memory":
        return "memory limit exceeded"
    if result.status == "ok":
        return "the program ended before reporting (exit status 0)"
    last = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
    return f"{result.status}: {last[:200]}"


def grade_many(
    responses: Sequence[str], items: Sequence[BenchmarkItem], *, max_workers: int = 2
) -> list[Grade]:
    """Grade ``responses[i]`` against ``items[i]`` with at most ``max_workers`` at a time, in order.

    Threads suit the code graders, which spend their time waiting on sandboxed subprocesses; do not use it
    for ``math_verify``, whose timeouts need the main thread.
    """
    if len(responses) != len(items):
        raise ValueError(f"{len(responses)} responses for {len(items)} items; pass one response per item")
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(grade, responses, items))


# ---------------------------------------------------------------------------------------------------------
# Shipped to harnesses by `child_program`: they run only in the sandbox and import what they need.


class _ChildTimeout(BaseException):
    """A call outlived its time limit (a BaseException, so ``except Exception`` in graded code misses it)."""


def _child_call_with_limit(fn, args, seconds):
    import signal

    def expire(signum, frame):
        raise _ChildTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _child_entry(run):
    """Read the JSON payload, silence stdout/stderr, ``run(payload, report)`` where ``report(record)`` writes
    one JSON record on a private copy of the standard output, then exit at once."""
    import io
    import json
    import os
    import sys

    class Sink(io.TextIOBase):
        def writable(self):
            return True

        def write(self, text):
            return len(text)

    payload = json.loads(sys.stdin.read())
    channel, dumps, write, exit_now = os.dup(1), json.dumps, os.write, os._exit

    def report(record):
        data = (dumps(record) + "\n").encode()
        while data:
            data = data[write(channel, data) :]

    sys.stdout = sys.stderr = Sink()
    try:
        run(payload, report)
    except BaseException as exc:  # noqa: BLE001 -- graded code can break anything; report, never hang
        report({"error": f"harness failed: {type(exc).__name__}: {exc}"[:300]})
    exit_now(0)
