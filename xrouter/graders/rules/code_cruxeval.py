"""Graders ``cruxeval_output`` (CruxEval-O) and ``cruxeval_input`` (CruxEval-I), by CruxEval's rules
(facebookresearch/cruxeval @190faf1: ``evaluation/utils_general.py``, ``evaluation/utils_execute.py``,
``inference/tasks/{output,input}_prediction.py``), with the verdict in the parent.

The answer (`extract_assertion`): the last non-empty ``[ANSWER]...[/ANSWER]`` block (``answer_tag``), else
the text after the last ``[ANSWER]`` of a response cut short (``open_answer_tag``), else the ``answer``
field of the response's JSON object (``json_answer``: the form ZeroEval's prompt asks for, ``{"reasoning":
..., "answer": "{1: None, 2: None}"}``, fenced or bare, also when the JSON is broken by unescaped quotes),
else the last line that starts with ``assert f(`` (``assert_line``); code fences inside are ignored. Its
last statement is read with `ast`: ``assert <call> == <value>`` (or the bare expression). Text that does not
parse falls back to upstream's split at the first ``==``.

- output prediction: the value is the prediction. It must not call ``f`` (upstream rejects a value
  containing ``f(<input>)``). A Python literal is read in the parent (`ast.literal_eval`); any other
  expression is evaluated in the sandbox in an empty namespace (no ``code``, no ``f``), its value reported
  as plain data. A ``json_answer`` that is neither (``hello`` for ``'hello'``) is the string itself, as
  ZeroEval reads an unquoted answer.
- input prediction: the call must be a call of ``f``. Its arguments are read as literals in the parent, or
  else evaluated in the sandbox without ``f`` (so they cannot patch ``f`` or the builtins it uses); then
  ``<code>`` runs in the sandbox and ``f(*args, **kwargs)`` is reported as plain data.

The parent alone holds the gold output (read with `ast.literal_eval`) and compares with `same` (type-strict,
`code_values`): nothing the sandboxed program prints or does decides the verdict. Each sandboxed run may
take `TIMEOUT_S` (upstream: 3 s, plus 1 s to start the process).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.code_common import (
    UNPARSABLE,
    _child_call_with_limit,
    _child_entry,
    _ChildTimeout,
    child_program,
    died,
    quiet_parse,
    run_child,
)
from xrouter.graders.rules.code_values import BadRecord, _child_decode, _child_encode, decode, encode, same

TIMEOUT_S = 3.0  # check_correctness(code_to_execute, 3)
_STARTUP_S = 1.0  # upstream joins the process after timeout + 1 s
_MEMORY_MB = 2048
_ANSWER_BLOCK = re.compile(r"\[ANSWER\](.*?)\[/ANSWER\]", re.DOTALL)
_JSON_ANSWER = re.compile(r'"answer"\s*:\s*"((?:[^"\\]|\\.)*)"\s*[,}]', re.DOTALL)
_JSON_ANSWER_LOOSE = re.compile(r'"answer"\s*:\s*"(.*)"\s*\n?\s*}', re.DOTALL)
_GOLD: dict[str, Any] = {}  # gold output text -> value
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
    elif (found := json_answer(response_text)) is not None:
        return (found, "json_answer") if found.strip() else (None, "none")
    elif lines := _ASSERT_LINE.findall(response_text):
        answer, rule = lines[-1], "assert_line"
    else:
        return None, "none"
    answer = "\n".join(line for line in answer.splitlines() if not line.strip().startswith("```")).strip()
    return (answer, rule) if answer else (None, "none")


def json_answer(response_text: str) -> str | None:
    """The ``answer`` field of the first JSON object in the response that has one (a non-string value as
    Python source, ``true`` as ``True``), else of a ``"answer": "..."`` pair found in broken JSON."""
    decoder = json.JSONDecoder()
    for start in (m.start() for m in re.finditer(r"\{", response_text)):
        try:
            value, _ = decoder.raw_decode(response_text, start)
        except ValueError:
            continue
        if isinstance(value, dict) and "answer" in value:
            answer = value["answer"]
            return answer.strip() if isinstance(answer, str) else _python_source(answer)
    for pattern in (_JSON_ANSWER, _JSON_ANSWER_LOOSE):
        if match := pattern.search(response_text):
            try:
                return json.loads(f'"{match.group(1)}"').strip()
            except ValueError:
                return match.group(1).replace('\\"', '"').strip()
    return None


def _python_source(value: Any) -> str:
    """A JSON value as Python source (``true`` -> ``True``, ``null`` -> ``None``)."""
    return repr(value)


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


_NO_VALUE = object()


def _literal(source: str) -> Any:
    """The value of a Python literal, or `_NO_VALUE`."""
    try:
        return ast.literal_eval(quiet_parse(source, mode="eval"))
    except (*UNPARSABLE, TypeError):
        return _NO_VALUE


def _bare_string(answer: str) -> bool:
    """ZeroEval's reading of an unquoted answer as a string: no brackets, not a number, not a boolean."""
    text = answer.strip()
    return (
        bool(text)
        and not any(c in text for c in "({[]})")
        and not text.replace(".", "", 1).isdigit()
        and (text.lower() not in ("true", "false"))
    )


def gold_output(item: BenchmarkItem) -> Any:
    """The gold output's value (a literal in every CruxEval item; anything else raises)."""
    text = item.gold["output"]
    if text not in _GOLD:
        value = _literal(text)
        if value is _NO_VALUE:
            raise ValueError(f"{item.id}: the gold output {text[:80]!r} is not a Python literal")
        _GOLD[text] = value
    return _GOLD[text]


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
        if predict == "output" and rule == "json_answer" and _bare_string(answer):
            return _verdict(answer.strip(), gold_output(item), candidate, rule, predict)
        return Grade(0.0, candidate, f"{rule}: the {predict} is not a Python expression")
    if predict == "output":
        if _calls_f(expr):
            return Grade(0.0, candidate, f"{rule}: the predicted output calls f")
        got = _literal(candidate)
        if (
            rule == "json_answer"
            and _bare_string(answer)
            and (got is _NO_VALUE or isinstance(expr, ast.Tuple))
        ):
            got = answer.strip()  # unquoted text (hello, 6,8,8): ZeroEval reads it as that string
        if got is _NO_VALUE:
            got, why = _evaluate([candidate])
            if why is not None:
                return Grade(0.0, candidate, f"{rule}: {why}")
            got = got[0]
        return _verdict(got, gold_output(item), candidate, rule, predict)
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "f"):
        return Grade(0.0, candidate, f"{rule}: the predicted input is not a call of f")
    arguments = _arguments(expr, candidate)
    if arguments is None:
        return Grade(0.0, candidate, f"{rule}: the arguments are not Python expressions")
    if isinstance(arguments, str):  # an error while evaluating them
        return Grade(0.0, candidate, f"{rule}: {arguments}")
    args, kwargs = arguments
    payload = {"code": item.gold["code"], "args": encode(args), "kwargs": encode(kwargs), "limit": TIMEOUT_S}
    program = child_program(
        _ChildTimeout, _child_call_with_limit, _child_entry, _child_encode, _child_decode, _child_call_f,
        call="_child_entry(_child_call_f)",
    )  # fmt: skip
    records, result = run_child(
        program, payload, timeout_s=TIMEOUT_S + _STARTUP_S, memory_mb=_MEMORY_MB, max_output_bytes=1 << 20
    )
    got, why = _first_value(records, result)
    if why is not None:
        return Grade(0.0, candidate, f"{rule}: {why}")
    return _verdict(got, gold_output(item), candidate, rule, predict)


def _verdict(got: Any, gold: Any, candidate: str, rule: str, predict: str) -> Grade:
    if same(got, gold):
        return Grade(1.0, candidate, f"{rule}: pass")
    return Grade(0.0, candidate, f"{rule}: wrong {predict}")


def _arguments(call: ast.Call, source: str) -> tuple[list[Any], dict[str, Any]] | str | None:
    """The call's positional and keyword arguments as values: literals read here, anything else evaluated
    in the sandbox without ``f``; None if they do not parse, an error text if evaluating them failed."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        parts = [f"(lambda *a, **k: [list(a), k]){source[source.index('(') :]}"]
        values, why = _evaluate(parts)
        if why is not None:
            return why
        if not (type(values[0]) is list and len(values[0]) == 2 and type(values[0][1]) is dict):
            return "the arguments did not evaluate to a call"
        return values[0][0], values[0][1]
    sources = [ast.get_source_segment(source, a) for a in call.args]
    sources += [ast.get_source_segment(source, k.value) for k in call.keywords]
    if any(part is None for part in sources):
        return None
    values = [_literal(part) for part in sources]
    if any(v is _NO_VALUE for v in values):
        values, why = _evaluate(sources)
        if why is not None:
            return why
    n = len(call.args)
    return list(values[:n]), {k.arg: v for k, v in zip(call.keywords, values[n:])}


def _evaluate(sources: list[str]) -> tuple[list[Any], str | None]:
    """Evaluate expressions in the sandbox, in an empty namespace; (their values, None) or ([], why)."""
    program = child_program(
        _child_entry, _child_encode, _child_evaluate, call="_child_entry(_child_evaluate)"
    )
    records, result = run_child(
        program, {"sources": sources}, timeout_s=TIMEOUT_S + _STARTUP_S, memory_mb=_MEMORY_MB,
        max_output_bytes=1 << 20,
    )  # fmt: skip
    values = []
    for number in range(len(sources)):
        record = records[number] if number < len(records) else None
        value, why = _first_value([record] if record is not None else [], result, number)
        if why is not None:
            return [], why
        values.append(value)
    return values, None


def _first_value(records: list[dict[str, Any]], result: Any, index: int = 0) -> tuple[Any, str | None]:
    if not records:
        return None, died(result, TIMEOUT_S + _STARTUP_S)
    record = records[0]
    if record.get("i") != index:
        return None, f"error: {str(record.get('error', 'malformed report from the sandbox'))[:200]}"
    if "timeout" in record:
        return None, f"timeout (item limit {TIMEOUT_S + _STARTUP_S:g} s)"
    if "error" in record:
        return None, f"error: {str(record['error'])[:200]}"
    try:
        return decode(record.get("out")), None
    except (BadRecord, RecursionError):
        return None, "unreadable value from the sandbox"


# ---------------------------------------------------------------------------------------------------------
# Shipped to harnesses by `child_program`.


def _child_evaluate(payload, report):
    import builtins

    for number, source in enumerate(payload["sources"]):
        try:
            value = eval(source, {"__builtins__": builtins})
            encoded = _child_encode(value)
        except BaseException as exc:  # noqa: BLE001
            report({"i": number, "error": f"{type(exc).__name__}: {exc}"[:200]})
            return
        report({"i": number, "out": encoded})


def _child_call_f(payload, report):
    import builtins

    args, kwargs = _child_decode(payload["args"]), _child_decode(payload["kwargs"])
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(compile(payload["code"], "code.py", "exec"), namespace)  # noqa: S102 -- sandboxed
        f = namespace["f"]
        out = _child_call_with_limit(lambda: f(*args, **kwargs), (), payload["limit"])
        encoded = _child_encode(out)
    except _ChildTimeout:
        report({"i": 0, "timeout": payload["limit"]})
        return
    except BaseException as exc:  # noqa: BLE001
        report({"i": 0, "error": f"{type(exc).__name__}: {exc}"[:200]})
        return
    report({"i": 0, "out": encoded})
