"""Reference responses per grader: the proof that a grader accepts what it must and rejects what it must.

For every item, `gold_answer` is a response a correct model could give, which must score 1, and
`wrong_answer` a plausible wrong response, which must score 0. Each grader registers one `Reference` (a
class with static ``gold(item) -> str`` and ``wrong(item) -> str``) under its name with
`register_reference`; lookups dispatch on ``item.grader``. Both are pure functions of the item.

Code graders (the ``gold`` forms each loader documents):

- ``evalplus``: gold is the reference solution (HumanEval+: prompt + canonical solution in a ```python
  block; MBPP+: the canonical solution as bare text); wrong is the same solution with every output moved
  off by one (`off_by_one`: ``n + 1``, ``not b``, ``s + "?"``, one more element, ...).
- ``livecodebench`` (the bundle has no solutions): gold is a program that answers each public test from a
  table: for stdin tests it reads all of stdin and prints the expected output of the matching input; for
  functional tests a ``class Solution`` whose ``func_name`` returns the expected value of the matching
  arguments. It goes through the same stdin/stdout and call comparison as a real solution. Wrong prints a
  constant that matches no expected output (functional: the expected value off by one).
- ``cruxeval_output`` / ``cruxeval_input``: gold is ``[ANSWER]assert f(<input>) == <output>[/ANSWER]``.
  CruxEval-O's wrong moves the output off by one. CruxEval-I's moves the input's arguments, and since many
  inputs give the same output it tries the moves in the sandbox and keeps the first for which ``f`` returns
  something else (or raises); with none, it passes one argument too many.
"""

from __future__ import annotations

import ast
import inspect
import json
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.references.base import register_reference
from xrouter.graders.rules.code_livecodebench import outputs_match
from xrouter.graders.sandbox import run_python


def off_by_one(value: Any) -> Any:
    """A value that differs from ``value``, of the same kind where possible (shipped into wrong programs)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float, complex)):
        return value + 1
    if isinstance(value, (str, bytes)):
        return value + (b"?" if isinstance(value, bytes) else "?")
    if isinstance(value, list):
        return [*value, None]
    if isinstance(value, tuple):
        return (*value, None)
    if isinstance(value, (set, frozenset)):
        return {*value, "?"}
    if isinstance(value, dict):
        return {**value, "?": None}
    return 0 if value is None else None


@register_reference("evalplus")
class EvalPlusReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        reference = item.gold["reference"]
        return f"```python\n{reference}\n```" if item.gold["task_id"].startswith("HumanEval/") else reference

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        name = item.gold["entry_point"]
        return (
            "```python\nfrom typing import Any\n\n\n"
            f"{inspect.getsource(off_by_one)}\n\n"
            f"def _load_reference():\n    namespace = {{}}\n    exec({item.gold['reference']!r}, namespace)\n"
            f"    return namespace[{name!r}]\n\n\n"
            "_reference = _load_reference()\n\n\n"
            f"def {name}(*args, **kwargs):\n    return off_by_one(_reference(*args, **kwargs))\n```"
        )


@register_reference("livecodebench")
class LiveCodeBenchReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        return _lcb_program(item, wrong=False)

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        return _lcb_program(item, wrong=True)


def _lcb_program(item: BenchmarkItem, *, wrong: bool) -> str:
    tests = item.gold["tests"]
    if tests[0]["testtype"] == "functional":
        cases = json.dumps([[[json.loads(line) for line in t["input"].split("\n")], json.loads(t["output"])]
                            for t in tests])  # fmt: skip
        answer = "off_by_one(output)" if wrong else "output"
        return (
            "```python\nimport json\nfrom typing import Any\n\n"
            + (f"{inspect.getsource(off_by_one)}\n\n" if wrong else "")
            + f"CASES = json.loads({cases!r})\n\n\nclass Solution:\n"
            f"    def {item.gold['func_name']}(self, *args):\n"
            "        for arguments, output in CASES:\n"
            "            if list(args) == arguments:\n"
            f"                return {answer}\n"
            "        return None\n```"
        )
    if wrong:
        constant = next(
            c for c in ("0", "-1", "NO", "wrong") if not any(outputs_match(c, t["output"]) for t in tests)
        )
        return f"```python\nprint({constant!r})\n```"
    table = json.dumps({t["input"].strip(): t["output"] for t in tests})
    return (
        "```python\nimport json\nimport sys\n\n"
        f"ANSWERS = json.loads({table!r})\n"
        'sys.stdout.write(ANSWERS.get(sys.stdin.read().strip(), ""))\n```'
    )


@register_reference("cruxeval_output")
class CruxEvalOutputReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        return _crux_answer(f"f({item.gold['input']})", item.gold["output"])

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        return _crux_answer(f"f({item.gold['input']})", _literal_off_by_one(item.gold["output"]))


@register_reference("cruxeval_input")
class CruxEvalInputReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        return _crux_answer(f"f({item.gold['input']})", item.gold["output"])

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        candidates = _moved_calls(item.gold["input"])
        chosen = -1
        if candidates:
            probe = _PROBE.format(code=item.gold["code"], output=item.gold["output"], candidates=candidates)
            result = run_python(probe, timeout_s=30, memory_mb=1024, max_output_bytes=10_000)
            if result.status == "ok" and result.stdout.strip():
                chosen = int(result.stdout.split()[-1])
        if chosen >= 0:
            return _crux_answer(candidates[chosen], item.gold["output"])
        arguments = f"{item.gold['input']}, None" if item.gold["input"].strip() else "None"  # one too many
        return _crux_answer(f"f({arguments})", item.gold["output"])


# The index of the first candidate call whose result differs from the output, else of the first that raises,
# else -1; a call that loops is skipped after a second.
_PROBE = """{code}
import signal


def _expire(*_):
    raise TimeoutError


signal.signal(signal.SIGALRM, _expire)
_output, _raised = ({output}\n), -1
for _index, _call in enumerate({candidates!r}):
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        _differs = eval(_call) != _output
    except TimeoutError:
        continue
    except Exception:
        _raised = _index if _raised < 0 else _raised
        continue
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if _differs:
        print(_index)
        break
else:
    print(_raised)
"""


def _crux_answer(call: str, output: str) -> str:
    return f"[ANSWER]\nassert {call} == {output}\n[/ANSWER]"


def off_the_other_way(value: Any) -> Any:
    """A second way to change ``value``: down by one, or its first element dropped."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value - 1
    if isinstance(value, (str, bytes, list, tuple)):
        return value[1:] if value else off_by_one(value)
    if isinstance(value, dict) and value:
        return dict(list(value.items())[1:])
    return off_by_one(value)


def _moved_calls(call_input: str) -> list[str]:
    """Calls ``f(...)`` with the literal arguments of ``call_input`` moved (by `off_by_one`, then by
    `off_the_other_way`; each argument alone, then all), without repeats; [] when they are not literals."""
    source = f"f({call_input})"
    try:
        call = ast.parse(source, mode="eval").body
        args = [ast.literal_eval(arg) for arg in call.args]
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return []
    keywords = [ast.get_source_segment(source, k) for k in call.keywords]
    variants = [
        [move(a) if j in moved else a for j, a in enumerate(args)]
        for move in (off_by_one, off_the_other_way)
        for moved in [{j} for j in range(len(args))] + [set(range(len(args)))]
    ]
    return list(dict.fromkeys(f"f({', '.join([*map(repr, v), *keywords])})" for v in variants if args))


def _literal_off_by_one(source: str) -> str:
    try:
        return repr(off_by_one(ast.literal_eval(source)))
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return "None" if source.strip() != "None" else "0"
