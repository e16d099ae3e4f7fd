"""Benchmark loaders: the real bundle (read in place, path from params.yaml) and small damaged copies of it.

Each test checks one property. The real table is loaded once per module (about a second and a half).
"""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from xrouter.config import load_params
from xrouter.data.benchmarks import BenchmarkDataError, load_benchmark, load_benchmarks, register, registered
from xrouter.data.benchmarks.competition_math import last_boxed
from xrouter.data.benchmarks.livecodebench import func_name
from xrouter.data.benchmarks.olympiadbench import single_answer, split_answers
from xrouter.data.schema import BENCHMARK_COLUMNS, BENCHMARKS, BenchmarkItem

REPO = Path(__file__).resolve().parents[2]
BUNDLE = load_params(REPO / "params.yaml").data.bundle
needs_bundle = pytest.mark.skipif(
    not (BUNDLE / "benchmarks").is_dir(), reason=f"data bundle not found at {BUNDLE}"
)

# The README table of the bundle.
EXPECTED_COUNTS = {
    "aime24": 30, "aime25": 30, "amc23": 40, "math500": 500, "minerva_math": 272, "olympiadbench": 675,
    "gsm8k": 1319, "humanevalplus": 164, "mbppplus": 378, "livecodebench": 279, "gpqa_diamond": 198,
    "bbeh": 4520, "arc_agi": 400, "cruxeval_i": 800, "cruxeval_o": 800, "ifeval": 540, "ifbench": 300,
}  # fmt: skip
MATH = ("aime24", "aime25", "amc23", "math500", "minerva_math", "olympiadbench", "gsm8k")
EXPECTED_ROUTING = {  # benchmark -> (domain, grader)
    **{name: ("math", "math_verify") for name in MATH},
    "humanevalplus": ("code", "evalplus"),
    "mbppplus": ("code", "evalplus"),
    "livecodebench": ("code", "livecodebench"),
    "gpqa_diamond": ("science", "multiple_choice"),
    "bbeh": ("reasoning", "bbeh"),
    "arc_agi": ("logic", "arc_grid"),
    "cruxeval_o": ("code_reasoning", "cruxeval_output"),
    "cruxeval_i": ("code_reasoning", "cruxeval_input"),
    "ifeval": ("instruction_following", "ifeval"),
    "ifbench": ("instruction_following", "ifbench"),
}
# A phrase of the answer-format instruction every prompt of the benchmark must carry.
INSTRUCTION_MARKERS = {
    **{name: "\\boxed{}" for name in MATH},
    "gpqa_diamond": "'Answer: X'",
    "bbeh": '"The answer is:"',
    "humanevalplus": "```python",
    "mbppplus": "```python",
    "livecodebench": "```python",
    "cruxeval_o": "[ANSWER]",
    "cruxeval_i": "[ANSWER]",
    "arc_agi": "```json",
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_benchmarks(BUNDLE)


@pytest.fixture(scope="module")
def items(table: pd.DataFrame) -> dict[str, BenchmarkItem]:
    return {row["id"]: BenchmarkItem.from_row(row) for row in table.to_dict("records")}


def _is_grid(grid: Any) -> bool:
    return (
        isinstance(grid, list)
        and bool(grid)
        and all(isinstance(row, list) and row and all(isinstance(c, int) for c in row) for row in grid)
    )


def _check_gold(item: BenchmarkItem) -> None:
    """Assert that `item.gold` (and grader_kwargs) have the form documented for its grader."""
    gold, kwargs = item.gold, item.grader_kwargs
    if item.grader == "math_verify":
        assert set(gold) == {"answers"} and gold["answers"]
        assert all(isinstance(a, str) and a.strip() and not a.startswith("\\boxed") for a in gold["answers"])
        assert isinstance(kwargs["all_required"], bool)
    elif item.grader == "multiple_choice":
        assert set(gold) == {"letter", "options"} and len(gold["options"]) == 4
        assert gold["letter"] in string.ascii_uppercase[: len(gold["options"])]
    elif item.grader == "evalplus":
        extra = "test" if item.benchmark == "humanevalplus" else "assertion"
        assert set(gold) == {"task_id", "entry_point", "reference", "base_input", "plus_input", "atol", extra}
        assert f"def {gold['entry_point']}" in gold["reference"] and gold[extra].strip()
        assert gold["base_input"] and all(isinstance(args, list) for args in gold["base_input"])
        assert isinstance(gold["plus_input"], list) and gold["atol"] >= 0
    elif item.grader == "livecodebench":
        assert set(gold) == {"tests", "starter_code", "func_name"} and gold["tests"]
        assert all(set(t) == {"input", "output", "testtype"} for t in gold["tests"])
        functional = any(t["testtype"] == "functional" for t in gold["tests"])
        assert (gold["func_name"] is not None) == functional == bool(gold["starter_code"].strip())
    elif item.grader in ("cruxeval_output", "cruxeval_input"):
        assert set(gold) == {"code", "input", "output"}
        assert "def f(" in gold["code"] and gold["output"].strip()
    elif item.grader == "bbeh":
        assert set(gold) == {"target"} and gold["target"].strip()
    elif item.grader == "arc_grid":
        assert set(gold) == {"outputs"} and gold["outputs"] and all(_is_grid(g) for g in gold["outputs"])
    elif item.grader in ("ifeval", "ifbench"):
        assert set(gold) == {"prompt", "instruction_id_list", "kwargs"} and gold["instruction_id_list"]
        assert len(gold["kwargs"]) == len(gold["instruction_id_list"])
        assert all(v is not None for entry in gold["kwargs"] for v in entry.values())
    else:
        pytest.fail(f"{item.id}: unexpected grader {item.grader!r}")


# --- the real bundle ------------------------------------------------------------------------------------


@needs_bundle
def test_table_has_exactly_the_schema_columns(table: pd.DataFrame) -> None:
    assert list(table.columns) == list(BENCHMARK_COLUMNS)


@needs_bundle
def test_item_counts_equal_the_bundle_readme(table: pd.DataFrame) -> None:
    assert table["benchmark"].value_counts().to_dict() == EXPECTED_COUNTS


def test_every_schema_benchmark_has_a_loader() -> None:
    assert registered() == BENCHMARKS


@needs_bundle
def test_ids_are_unique_and_prefixed_by_their_benchmark(table: pd.DataFrame) -> None:
    assert table["id"].is_unique
    assert all(
        i.startswith(f"{b}/") and len(i) > len(b) + 1
        for i, b in zip(table["id"], table["benchmark"], strict=True)
    )


@needs_bundle
def test_domain_and_grader_follow_the_benchmark(table: pd.DataFrame) -> None:
    pairs = table.groupby("benchmark")[["domain", "grader"]].agg(set)
    for name, (domain, grader) in EXPECTED_ROUTING.items():
        assert pairs.loc[name, "domain"] == {domain} and pairs.loc[name, "grader"] == {grader}, name


@needs_bundle
def test_every_item_is_one_non_empty_user_message(items: dict[str, BenchmarkItem]) -> None:
    for item in items.values():
        assert len(item.messages) == 1 and item.messages[0]["role"] == "user", item.id
        assert item.user_prompt.strip(), item.id


@needs_bundle
def test_prompts_carry_their_answer_format_instruction(items: dict[str, BenchmarkItem]) -> None:
    for item in items.values():
        if item.benchmark in ("ifeval", "ifbench"):
            assert item.user_prompt == item.gold["prompt"], item.id  # the prompt exactly as stored
        else:
            assert INSTRUCTION_MARKERS[item.benchmark] in item.user_prompt, item.id


@needs_bundle
def test_every_gold_has_its_documented_form(items: dict[str, BenchmarkItem]) -> None:
    for item in items.values():
        try:
            _check_gold(item)
        except AssertionError as err:
            raise AssertionError(f"{item.id}: gold {json.dumps(item.gold)[:200]}") from err


@needs_bundle
def test_rows_round_trip_through_the_schema(table: pd.DataFrame) -> None:
    for row in table.sample(500, random_state=0).to_dict("records"):
        assert BenchmarkItem.from_row(row).to_row() == row


@needs_bundle
def test_subsets(table: pd.DataFrame) -> None:
    subsets = table.groupby("benchmark")["subset"].agg(set)
    assert len(subsets["bbeh"]) == 23 and "bbeh_boolean_expressions" in subsets["bbeh"]
    assert "Precalculus" in subsets["math500"] and "" not in subsets["math500"]
    assert subsets["gsm8k"] == {""}


@needs_bundle
def test_gsm8k_first_item_gold_is_18(items: dict[str, BenchmarkItem]) -> None:
    assert items["gsm8k/0"].gold == {"answers": ["18"]}
    assert "Janet" in items["gsm8k/0"].user_prompt


@needs_bundle
def test_gsm8k_thousands_commas_are_removed(items: dict[str, BenchmarkItem]) -> None:
    answers = [i.gold["answers"][0] for i in items.values() if i.benchmark == "gsm8k"]
    assert all("," not in a for a in answers) and "1600" in answers


@needs_bundle
def test_minerva_nested_boxed_answer_keeps_inner_braces(items: dict[str, BenchmarkItem]) -> None:
    assert items["minerva_math/30"].gold == {"answers": ["\\sqrt{4 \\pi G \\rho_{0} r_{0}^{2}}"]}
    assert items["minerva_math/0"].gold == {"answers": ["1.6"]}


@needs_bundle
def test_olympiad_multiple_answer_item_is_split_and_all_required(items: dict[str, BenchmarkItem]) -> None:
    item = items["olympiadbench/1618"]
    assert item.gold == {"answers": ["(1,8,19)", "(2,7,13)", "(4,5,7)"]}
    assert item.grader_kwargs["all_required"] is True and "more than one answer" in item.user_prompt
    assert items["olympiadbench/1664"].gold == {"answers": ["69", "84"]}


@needs_bundle
def test_olympiad_single_answer_with_unit_and_tolerance(items: dict[str, BenchmarkItem]) -> None:
    item = items["olympiadbench/2592"]
    assert item.gold == {"answers": ["4.2"]}
    assert item.grader_kwargs == {
        "all_required": False,
        "answer_type": "Numerical",
        "unit": "%",
        "abs_tol": 0.1,
    }


@needs_bundle
def test_amc_and_aime25_numbers_become_plain_strings(items: dict[str, BenchmarkItem]) -> None:
    assert items["amc23/0"].gold == {"answers": ["27"]} and items["aime25/0"].gold == {"answers": ["70"]}


@needs_bundle
def test_livecodebench_functional_item_names_its_method(items: dict[str, BenchmarkItem]) -> None:
    item = items["livecodebench/5"]
    assert item.gold["func_name"] == "shortestDistanceAfterQueries"
    assert {t["testtype"] for t in item.gold["tests"]} == {"functional"}
    assert "class Solution" in item.user_prompt
    assert items["livecodebench/0"].gold["func_name"] is None


@needs_bundle
def test_arc_task_with_two_test_inputs_asks_for_and_holds_both(items: dict[str, BenchmarkItem]) -> None:
    item = items["arc_agi/12997ef3"]
    assert len(item.gold["outputs"]) == 2 and item.gold["outputs"][1][:2] == [[0, 7, 0], [7, 7, 7]]
    assert "Test input 2:" in item.user_prompt and "2 output grids" in item.user_prompt
    two = [i for i in items.values() if i.benchmark == "arc_agi" and len(i.gold["outputs"]) > 1]
    assert len(two) == 19


@needs_bundle
def test_gpqa_lists_the_stored_options_in_order(items: dict[str, BenchmarkItem]) -> None:
    item = items["gpqa_diamond/0"]
    assert item.gold == {"letter": "D", "options": ["10^-9 ev", "10^-11 ev", "10^-8 ev", "10^-4 ev"]}
    assert "A) 10^-9 ev\nB) 10^-11 ev\nC) 10^-8 ev\nD) 10^-4 ev" in item.user_prompt


@needs_bundle
def test_evalplus_golds(items: dict[str, BenchmarkItem]) -> None:
    he = items["humanevalplus/HumanEval/0"].gold
    assert he["reference"].startswith("from typing import List") and "def check(candidate)" in he["test"]
    mbpp = items["mbppplus/Mbpp/2"]
    assert "assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10)))" in mbpp.user_prompt
    assert '"""' not in mbpp.user_prompt
    assert items["mbppplus/Mbpp/793"].gold["plus_input"] == []  # stored as {} upstream


@needs_bundle
def test_cruxeval_both_directions_share_one_gold(items: dict[str, BenchmarkItem]) -> None:
    out, inp = items["cruxeval_o/sample_0"], items["cruxeval_i/sample_0"]
    assert out.gold == inp.gold and out.gold["input"] == "[1, 1, 3, 1, 3, 1]"
    assert "assert f([1, 1, 3, 1, 3, 1]) == ??" in out.user_prompt
    assert "assert f(??) == [(4, 1)" in inp.user_prompt and "f([1, 1, 3" not in inp.user_prompt
    assert items["cruxeval_o/sample_135"].gold["input"] == ""


@needs_bundle
def test_ifbench_kwargs_drop_none_and_integral_floats(items: dict[str, BenchmarkItem]) -> None:
    assert items["ifbench/0"].gold["kwargs"] == [
        {"keyword1": "kaleidoscope", "keyword2": "nebula", "keyword3": "whisper", "keyword4": "labyrinth",
         "keyword5": "paradox"}
    ]  # fmt: skip
    floats = [
        v for i in items.values() if i.benchmark == "ifbench" for e in i.gold["kwargs"] for v in e.values()
    ]
    assert not any(isinstance(v, float) and v.is_integer() for v in floats)


# --- pure helpers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so $\\boxed{1}$ and finally \\boxed{\\frac{a}{b}} done", "\\frac{a}{b}"),
        ("\\boxed{\\left\\{ x \\right\\}}", "\\left\\{ x \\right\\}"),
        ("\\boxed {42}", "42"),
        ("no box here", None),
        ("\\boxed{unclosed {", None),
    ],
)
def test_last_boxed(text: str, expected: str | None) -> None:
    assert last_boxed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(0,2),(0,-2)$", ["(0,2)", "(0,-2)"]),
        ("$\\frac{32}{9}$,$\\frac{1}{2}$", ["\\frac{32}{9}", "\\frac{1}{2}"]),
        ("$(-\\frac{1}{2}, \\frac{7}{2})$", ["(-\\frac{1}{2}, \\frac{7}{2})"]),
        ("$f(x)=a x+b$, where $b$ is an integer", ["$f(x)=a x+b$, where $b$ is an integer"]),
    ],
)
def test_split_answers(text: str, expected: list[str]) -> None:
    assert split_answers(text) == expected


def test_single_answer_strips_one_enclosing_math_span_only() -> None:
    assert single_answer(" $(-\\infty, 0)$. ") == "(-\\infty, 0)"
    assert single_answer("$f(n)=n$, $g(n)=1$") == "$f(n)=n$, $g(n)=1$"


def test_func_name_prefers_the_method() -> None:
    assert func_name("class Solution:\n    def twoSum(self, nums: List[int]) -> int:\n        ") == "twoSum"
    assert func_name("def solve(a, b):\n    pass") == "solve"
    assert func_name("x = 1") is None


# --- the registry ----------------------------------------------------------------------------------------


def test_unknown_benchmark_raises_listing_the_known_ones() -> None:
    with pytest.raises(BenchmarkDataError, match="unknown benchmark 'mmlu'.*gsm8k.*ifbench"):
        load_benchmark(BUNDLE, "mmlu")


def test_registering_a_name_twice_raises() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register("gsm8k")(lambda bundle: [])


def test_registering_a_name_outside_the_schema_raises() -> None:
    with pytest.raises(ValueError, match="cannot register benchmark 'mmlu': not one of"):
        register("mmlu")


# --- damaged copies of the bundle ------------------------------------------------------------------------


def _copy(tmp_path: Path, relative: str) -> Path:
    """Copy benchmarks/<relative> (a file or a folder) of the real bundle into a bundle under tmp_path."""
    source, target = BUNDLE / "benchmarks" / relative, tmp_path / "benchmarks" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return target


def _edit_first_jsonl_record(path: Path, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    edit(record)
    path.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n", encoding="utf-8")


def _edit_json(path: Path, edit) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _drop_field(path: Path, field: str) -> None:
    """Remove `field` from the first record: of a JSONL file, a JSON list, BBEH's examples or an ARC task."""
    if path.suffix == ".jsonl":
        _edit_first_jsonl_record(path, lambda record: record.pop(field))
    else:
        _edit_json(
            path,
            lambda doc: (doc[0] if isinstance(doc, list) else doc.get("examples", [doc])[0]).pop(field),
        )


DAMAGES = [  # benchmark, copied file, field removed from its first record
    ("gsm8k", "gsm8k/test.jsonl", "answer"),
    ("gpqa_diamond", "gpqa_diamond/test.jsonl", "options"),
    ("cruxeval_i", "cruxeval/cruxeval.jsonl", "output"),
    ("ifbench", "ifbench/IFBench_test.jsonl", "kwargs"),
    ("livecodebench", "livecodebench/livecodebench.json", "tests"),
    ("bbeh", "bbeh/benchmark_tasks/bbeh_dyck_languages/task.json", "target"),
    ("arc_agi", "arc_agi/evaluation/12997ef3.json", "test"),
]


@needs_bundle
@pytest.mark.parametrize(("name", "relative", "field"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_a_missing_field_names_benchmark_file_and_field(
    tmp_path: Path, name: str, relative: str, field: str
) -> None:
    _drop_field(_copy(tmp_path, relative), field)
    with pytest.raises(BenchmarkDataError) as raised:
        load_benchmark(tmp_path, name)
    message = str(raised.value)
    assert message.startswith(f"{name}: ") and Path(relative).name in message and f"'{field}'" in message


@needs_bundle
def test_load_benchmarks_on_a_copied_bundle_with_one_damaged_file_raises(tmp_path: Path) -> None:
    shutil.copytree(BUNDLE / "benchmarks", tmp_path / "benchmarks")
    _edit_first_jsonl_record(tmp_path / "benchmarks/math500/test.jsonl", lambda r: r.pop("subject"))
    with pytest.raises(
        BenchmarkDataError, match=r"^math500: .*math500/test\.jsonl record 1: field 'subject'"
    ):
        load_benchmarks(tmp_path)


def test_a_missing_file_names_the_benchmark_and_path(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkDataError, match=r"^aime25: .*benchmarks/aime25/test\.jsonl"):
        load_benchmark(tmp_path, "aime25")
    with pytest.raises(BenchmarkDataError, match=r"^arc_agi: .*arc_agi/evaluation"):
        load_benchmark(tmp_path, "arc_agi")


@needs_bundle
def test_stringified_fields_are_parsed(tmp_path: Path) -> None:
    path = _copy(tmp_path, "olympiadbench/test.jsonl")
    _edit_first_jsonl_record(path, lambda r: r.update(final_answer=repr(r["final_answer"])))
    assert load_benchmark(tmp_path, "olympiadbench")[0].gold == {"answers": ["2"]}

    path = _copy(tmp_path, "livecodebench/livecodebench.json")
    _edit_json(path, lambda d: d[5].update(tests=repr(d[5]["tests"])))
    assert load_benchmark(tmp_path, "livecodebench")[5].gold["tests"][0]["testtype"] == "functional"


@needs_bundle
def test_a_malformed_stringified_field_is_reported_not_evaluated(tmp_path: Path) -> None:
    path = _copy(tmp_path, "olympiadbench/test.jsonl")
    _edit_first_jsonl_record(path, lambda r: r.update(final_answer="__import__('os').getcwd()"))
    with pytest.raises(BenchmarkDataError, match=r"^olympiadbench: .*field 'final_answer' is not a JSON"):
        load_benchmark(tmp_path, "olympiadbench")
