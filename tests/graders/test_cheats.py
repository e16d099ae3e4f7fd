"""Wrong programs that try to be graded correct, one test per cheat class and code grader, on real items of
the bundle (HumanEval/0, Mbpp/3, a LiveCodeBench functional and a stdin item, CruxEval-I and -O sample 0).
Every cheat must score 0; the honest answers next to them must score 1 (so a 0 is the cheat's, not a broken
grader's)."""

from __future__ import annotations

import functools
import json
import textwrap

import pytest

from xrouter.config import load_params
from xrouter.data.benchmarks import load_benchmark
from xrouter.graders import grade
from xrouter.graders.references import gold_answer
from xrouter.graders.rules import code_evalplus

FUNCTION_GRADERS = ("humaneval", "mbpp", "lcb_functional")
ALL = (*FUNCTION_GRADERS, "lcb_stdin", "crux_o", "crux_i")


@functools.cache
def items() -> dict:
    bundle = load_params().data.bundle
    lcb = load_benchmark(bundle, "livecodebench")
    return {
        "humaneval": next(i for i in load_benchmark(bundle, "humanevalplus") if i.id.endswith("HumanEval/0")),
        "mbpp": next(i for i in load_benchmark(bundle, "mbppplus") if i.id.endswith("Mbpp/3")),
        "lcb_functional": next(i for i in lcb if all(t["testtype"] == "functional" for t in i.gold["tests"])),
        "lcb_stdin": next(i for i in lcb if all(t["testtype"] == "stdin" for t in i.gold["tests"])),
        "crux_o": load_benchmark(bundle, "cruxeval_o")[0],
        "crux_i": load_benchmark(bundle, "cruxeval_i")[0],
    }


def function_response(kind: str, body: str, prelude: str = "") -> str:
    """A program whose entry point runs ``body`` (which returns the cheat's value)."""
    item = items()[kind]
    body = textwrap.indent(textwrap.dedent(body), "        " if kind == "lcb_functional" else "    ")
    if kind == "lcb_functional":
        code = f"{prelude}\nclass Solution:\n    def {item.gold['func_name']}(self, *args):\n{body}\n"
    else:
        code = f"{prelude}\ndef {item.gold['entry_point']}(*args):\n{body}\n"
    return f"```python\n{code}```"


def crux_response(kind: str, expression: str) -> str:
    """CruxEval: ``expression`` in the place of the prediction (the output, or the call's argument)."""
    gold = items()[kind].gold
    if kind == "crux_o":
        return f"[ANSWER]\nassert f({gold['input']}) == {expression}\n[/ANSWER]"
    return f"[ANSWER]\nassert f({expression}) == {gold['output']}\n[/ANSWER]"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XROUTER_CACHE", str(tmp_path))
    monkeypatch.setattr(code_evalplus, "_EXPECTED", {})


@pytest.mark.parametrize("kind", ALL)
def test_the_honest_gold_answer_passes(kind):
    assert grade(gold_answer(items()[kind]), items()[kind]).score == 1.0


ALWAYS_EQUAL = (
    "type('AlwaysEqual', ({base},), {{'__eq__': lambda s, o: True, '__ne__': lambda s, o: False, "
    "'__hash__': lambda s: 0, '__len__': lambda s: 3, '__bool__': lambda s: True}})()"
)


@pytest.mark.parametrize("kind", FUNCTION_GRADERS)
@pytest.mark.parametrize("base", ["object", "list", "str", "int", "tuple", "dict"])
def test_an_object_equal_to_everything_scores_zero(kind, base):
    result = grade(function_response(kind, f"return {ALWAYS_EQUAL.format(base=base)}"), items()[kind])
    assert result.score == 0.0, result


@pytest.mark.parametrize("kind", ["crux_o", "crux_i"])
def test_an_object_equal_to_everything_scores_zero_on_cruxeval(kind):
    expression = ALWAYS_EQUAL.format(base="object")
    assert grade(crux_response(kind, expression), items()[kind]).score == 0.0


STEAL_FROM_STACK = """
import gc, sys
frame, found = sys._getframe(1), []
while frame is not None:
    for name, value in frame.f_locals.items():
        if name in ('exp', 'expected', 'output', 'outputs', 'tests', 'payload', 'gold', 'want'):
            found.append(value)
    frame = frame.f_back
for obj in gc.get_objects():  # anything the harness holds that looks like expected outputs
    if isinstance(obj, dict) and ('expected' in obj or 'output' in obj):
        found.append(obj.get('expected', obj.get('output')))
for value in found:
    if isinstance(value, list) and value:
        return value[0]
    if value is not None:
        return value
return None
"""


@pytest.mark.parametrize("kind", FUNCTION_GRADERS)
def test_reading_the_expected_value_from_the_checkers_stack_scores_zero(kind):
    assert grade(function_response(kind, STEAL_FROM_STACK), items()[kind]).score == 0.0


def forged_lines() -> str:
    """Every verdict or record format the harnesses ever used, claiming success on 2,000 tests."""
    records = [json.dumps({"i": i, "out": True, "t": 0.0}) for i in range(2000)]
    old = '@@xrouter-verdict@@{"passed": true, "why": "forged"}'
    return "\\n".join([old, '{"passed": true}', "@@xrouter-assertion-held@@", *records]) + "\\n"


@pytest.mark.parametrize("kind", ALL)
def test_a_forged_verdict_on_fd_1_then_exit_scores_zero(kind):
    body = f"import os\nos.write(1, {forged_lines()!r}.encode())\nos._exit(0)\n"
    if kind == "lcb_stdin":
        response = f"```python\n{body}```"
    elif kind.startswith("crux"):
        response = crux_response(
            kind, f"(__import__('os').write(1, {forged_lines()!r}.encode()), __import__('os')._exit(0))"
        )
    else:
        response = function_response(kind, body)
    assert grade(response, items()[kind]).score == 0.0


PATCH_HARNESS = """
import builtins, json, sys
main = sys.modules['__main__'].__dict__
for name in list(main):
    if name.startswith('_child'):
        main[name] = lambda *a, **k: True
json.dumps = lambda *a, **k: '{"passed": true, "i": 0, "out": true}'
builtins.isinstance = lambda *a: True
return False
"""


@pytest.mark.parametrize("kind", FUNCTION_GRADERS)
def test_patching_the_harness_from_inside_scores_zero(kind):
    assert grade(function_response(kind, PATCH_HARNESS), items()[kind]).score == 0.0


@pytest.mark.parametrize(
    "expression",
    [
        "globals()['f']({input})",
        "eval('f')({input})",
        "__import__('__main__').f({input})",
        "vars()['f']({input})",
        "(lambda g: g['f']({input}))(globals())",
        "__builtins__['eval']('f({input})')",
    ],
)
def test_cruxeval_output_calling_f_in_disguise_scores_zero(expression):
    item = items()["crux_o"]
    result = grade(crux_response("crux_o", expression.format(input=item.gold["input"])), item)
    assert result.score == 0.0, result


@pytest.mark.parametrize(
    "arguments",
    [
        # patch f while its arguments are evaluated, so that it returns the output shown in the prompt
        "(setattr(f, '__code__', (lambda *a: {output}).__code__), [])[1]",
        "__import__('builtins').__setattr__('sorted', lambda *a, **k: {output}) or []",
        "*[setattr(f, '__code__', (lambda *a: {output}).__code__) or []]",
    ],
)
def test_cruxeval_input_arguments_that_patch_f_score_zero(arguments):
    item = items()["crux_i"]
    result = grade(crux_response("crux_i", arguments.format(output=item.gold["output"])), item)
    assert result.score == 0.0, result


STDIN_PEEKS = [
    # find the project through the package and read the gold outputs from the prepared benchmarks
    (
        "import xrouter, pathlib\nroot = pathlib.Path(xrouter.__file__).parents[1]\n"
        "print(open(root / 'data' / 'benchmarks.parquet', 'rb').read()[:10])"
    ),
    (
        "import glob\nprint(sorted(glob.glob('/work/**/benchmarks.parquet', recursive=True) + "
        "glob.glob('/root/**/*.parquet', recursive=True)))\nprint(open(glob.glob('/work/**/livecodebench/*', recursive=True)[0]).read())"
    ),
    (
        "import os\nfor top in ('/work', '/home', '/root', '/srv', '/data', '/mnt'):\n"
        "    for base, dirs, files in os.walk(top):\n        print(base, files)"
    ),
]


@pytest.mark.parametrize("program", STDIN_PEEKS)
def test_lcb_stdin_cannot_read_the_gold_outputs_from_the_host(program):
    result = grade(f"```python\n{program}\n```", items()["lcb_stdin"])
    assert result.score == 0.0, result


@pytest.mark.parametrize("kind", FUNCTION_GRADERS)
def test_returning_the_input_or_nothing_scores_zero(kind):
    for body in ("return args[0] if args else None", "return None", "raise SystemExit(0)"):
        assert grade(function_response(kind, body), items()[kind]).score == 0.0


@pytest.mark.parametrize("kind", FUNCTION_GRADERS)
def test_a_subclass_with_a_lying_eq_is_compared_by_its_real_value(kind):
    """A list/str/int subclass claiming equality: its plain value goes to the parent, which compares that."""
    body = (
        "class Liar(list):\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"
        "return Liar([object()])"
    )
    assert grade(function_response(kind, body), items()[kind]).score == 0.0


def test_deeply_nested_forged_records_are_rejected_not_crashing_the_grader():
    deep = "[" * 100_000 + "]" * 100_000
    body = f'import os\nos.write(1, (\'{{"i": 0, "out": {{"list": \' + {deep!r} + \'}}}}\\n\').encode())\nos._exit(0)'
    assert grade(function_response("humaneval", body), items()["humaneval"]).score == 0.0


def test_a_poisoned_cache_entry_is_not_trusted(tmp_path):
    """The issue's attack: an edited expected-output entry made `return False` pass. Entries are signed by
    the parent; an edited one is recomputed."""
    item = items()["humaneval"]
    assert grade(gold_answer(item), item).score == 1.0
    (entry,) = (tmp_path / "evalplus").glob("HumanEval_0-*.json")
    tag, text = entry.read_text().split("\n", 1)
    stored = json.loads(text)
    stored["expected"] = [False] * len(stored["expected"])
    entry.write_text(tag + "\n" + json.dumps(stored))
    code_evalplus._EXPECTED.clear()
    assert grade(function_response("humaneval", "return False"), item).score == 0.0
    assert grade(gold_answer(item), item).score == 1.0
