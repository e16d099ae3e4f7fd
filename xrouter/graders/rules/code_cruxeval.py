"""Graders ``cruxeval_output`` (CruxEval-O) and ``cruxeval_input`` (CruxEval-I), by CruxEval's rules
(facebookresearch/cruxeval @190faf1: ``evaluation/utils_general.py``, ``evaluation/utils_execute.py``,
``inference/tasks/{output,input}_prediction.py``).

The answer (`extract_assertion`): the last non-empty ``[ANSWER]...[/ANSWER]`` block (``answer_tag``), else
the text after the last ``[ANSWER]`` of a response cut short (``open_answer_tag``), else the last line that
starts with ``assert f(`` (``assert_line``); code fences inside are ignored. Its last statement is read
with `ast`: ``assert <call> == <value>`` (or the bare expression). Text that does not parse falls back to
upstream's split at the first ``==``.

- output prediction: the value is the prediction. As upstream, ``<code>`` then ``assert <gold output> ==
  <value>`` is run; a value that calls ``f`` scores 0 (upstream rejects a value containing ``f(<input>)``).
- input prediction: the call must be a call of ``f``; ``<code>`` then ``assert <gold output> == <call>``
  is run, so any input that makes ``f`` return the output passes.

Pass iff that program gets past the assertion and exits cleanly within `TIMEOUT_S` (upstream: 3 s, plus 1 s
to start the process).
"""

from __future__ import annotations

import ast
import re

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.code_common import UNPARSABLE, died, quiet_parse
from xrouter.graders.sandbox import run_python

TIMEOUT_S = 3.0  # check_correctness(code_to_execute, 3)
_STARTUP_S = 1.0  # upstream joins the process after timeout + 1 s
_MEMORY_MB = 2048
_ANSWER_BLOCK = re.compile(r"\[ANSWER\](.*?)\[/ANSWER\]", re.DOTALL)
_DONE = "@@xrouter-assertion-held@@"
_ASSERT_LINE = re.compile(r"^[ \t]*(assert\s+f\s*\(.*)$", re.MULTILINE)


@register_grader("cruxeval_output")
def grade_output(response_text: str, item: BenchmarkItem) -> Grade:
    return _grade(response_text, item, predict="output")


@register_grader("cruxeval_input")
def grade_input(response_text: str, item: BenchmarkItem) -> Grade:
    return _grade(response_text, item, predict="input")


def extract_assertion(response_text: str) -> tuple[str | None, str]:
    """The answer text (fences dropped) and the rule that found it; ``(None, "none")`` if none."""
    blocks = [block for block in _ANSWER_BLOCK.findall(response_text) if block.strip()]
    if blocks:
        answer, rule = blocks[-1], "answer_tag"
    elif "[ANSWER]" in response_text:
        answer, rule = response_text.rsplit("[ANSWER]", 1)[1].split("[/ANSWER]")[0], "open_answer_tag"
    elif lines := _ASSERT_LINE.findall(response_text):
        answer, rule = lines[-1], "assert_line"
    else:
        return None, "none"
    answer = "\n".join(line for line in answer.splitlines() if not line.strip().startswith("```")).strip()
    return (answer, rule) if answer else (None, "none")


def assertion_parts(answer: str) -> tuple[str | None, str | None]:
    """``(call, value)`` of ``assert call == value``; a bare expression is returned as both."""
    asserts = [line.strip() for line in answer.splitlines() if line.strip().startswith("assert")]
    for source in (answer.strip(), *reversed(asserts)):
        try:
            statements = quiet_parse(source).body
        except UNPARSABLE:
            continue
        node = statements[-1] if statements else None
        expr = (
            node.test if isinstance(node, ast.Assert) else node.value if isinstance(node, ast.Expr) else None
        )
        if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and isinstance(expr.ops[0], ast.Eq):
            left, right = expr.left, expr.comparators[0]
            return ast.get_source_segment(source, left), ast.get_source_segment(source, right)
        if expr is not None:  # a bare expression: the value, or the call for input prediction
            segment = ast.get_source_segment(source, expr)
            return segment, segment
    if "==" not in answer:  # upstream's split, for text that does not parse
        return None, answer.strip()
    left, right = answer.split("==")[:2]
    return left.strip().removeprefix("assert").strip(), right.strip()


def _calls_f(expr: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "f"
        for node in ast.walk(expr)
    )


def _grade(response_text: str, item: BenchmarkItem, *, predict: str) -> Grade:
    answer, rule = extract_assertion(response_text)
    if answer is None:
        return Grade(0.0, None, "no answer found")
    call, value = assertion_parts(answer)
    candidate = value if predict == "output" else call
    if not candidate:
        return Grade(0.0, None, f"{rule}: no {predict} found in {answer[:80]!r}")
    try:
        expr = quiet_parse(candidate, mode="eval").body
    except UNPARSABLE:
        return Grade(0.0, candidate, f"{rule}: the {predict} is not a Python expression")
    if predict == "output" and _calls_f(expr):
        return Grade(0.0, candidate, f"{rule}: the predicted output calls f")
    if predict == "input" and not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
                                   and expr.func.id == "f"):  # fmt: skip
        return Grade(0.0, candidate, f"{rule}: the predicted input is not a call of f")
    program = f"{item.gold['code']}\nassert ({item.gold['output']}) == ({candidate}\n)\nprint({_DONE!r})\n"
    result = run_python(
        program, timeout_s=TIMEOUT_S + _STARTUP_S, memory_mb=_MEMORY_MB, max_output_bytes=1 << 20
    )
    if result.status == "ok" and result.stdout.endswith(_DONE + "\n"):  # not an exit from inside the answer
        return Grade(1.0, candidate, f"{rule}: pass")
    if result.status == "error" and result.stderr.rstrip().endswith("AssertionError"):
        return Grade(0.0, candidate, f"{rule}: wrong {predict}")
    return Grade(0.0, candidate, f"{rule}: {died(result, TIMEOUT_S + _STARTUP_S)}")
