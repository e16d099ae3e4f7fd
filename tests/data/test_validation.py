"""The `validate` suites: the real prepared tables pass; a copied bundle with one corruption each fails, and
the failure names the table, the column and the offending rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from fakes.projects import copy_bundle

from xrouter.config import load_params
from xrouter.data.benchmarks import BenchmarkDataError, load_benchmarks
from xrouter.data.prepare import prepare_tables
from xrouter.data.validation import DataValidationError, run_validation

REPO = Path(__file__).resolve().parents[2]
VALIDATED = ("benchmarks", "prompts", "outcomes", "prices", "splits")


def _replace(path: Path, text: str) -> None:
    path.unlink()
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def _validate(bundle: Path, tmp_path: Path, only: tuple[str, ...] = VALIDATED):
    if only == ("benchmarks",):  # its loader alone: the other tables take seconds to prepare
        tables = {"benchmarks": load_benchmarks(bundle)}
    else:
        tables = prepare_tables(bundle, load_params(REPO / "params.yaml").prepare)
    return run_validation({k: tables[k] for k in only}, tmp_path / "docs")


def _failure_text(report) -> str:
    with pytest.raises(DataValidationError) as err:
        report.raise_for_failures()
    return str(err.value)


@pytest.mark.slow
def test_real_tables_pass_and_docs_are_written(prepared, tmp_path: Path) -> None:
    report = run_validation({k: prepared[k] for k in VALIDATED}, tmp_path / "docs")
    assert report.success, [f.describe() for f in report.failures]
    assert report.checked["outcomes"] >= 8 and report.rows["outcomes"] == 153_629
    assert (tmp_path / "docs" / "index.html").is_file()


def test_gold_not_in_its_graders_form_fails_validation(prepared, tmp_path: Path) -> None:
    """Loaders refuse empty answers up front; the gold-schema expectations are the second line of defence."""
    b = prepared["benchmarks"].copy()
    gsm = b.index[b["id"] == "gsm8k/0"][0]
    arc = b.index[b["benchmark"] == "arc_agi"][0]
    b.loc[gsm, "gold"] = json.dumps({"answers": []})
    b.loc[arc, "gold"] = json.dumps({"outputs": [[["1"]]]})  # cells must be integers
    text = _failure_text(run_validation({"benchmarks": b}, tmp_path / "docs"))
    assert "table 'benchmarks', column 'gold'" in text
    assert "math_verify" in text and "gsm8k/0" in text
    assert "arc_grid" in text and b.loc[arc, "id"] in text


def test_missing_answer_field_is_named_by_prepare(bundle, tmp_path: Path) -> None:
    b = copy_bundle(bundle, tmp_path / "bundle")
    lines = (bundle / "benchmarks/aime24/test.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    del first["answer"]
    _replace(b / "benchmarks/aime24/test.jsonl", "\n".join([json.dumps(first), *lines[1:]]) + "\n")
    with pytest.raises(BenchmarkDataError, match=r"aime24.*test\.jsonl.*'answer'"):
        load_benchmarks(b)


@pytest.mark.slow
def test_duplicate_id_fails_validation(bundle, tmp_path: Path) -> None:
    b = copy_bundle(bundle, tmp_path / "bundle")
    lines = (bundle / "benchmarks/aime24/test.jsonl").read_text().splitlines()
    _replace(b / "benchmarks/aime24/test.jsonl", "\n".join([*lines, lines[0]]) + "\n")
    text = _failure_text(_validate(b, tmp_path, ("benchmarks",)))
    assert "table 'benchmarks', column 'id': expect_column_values_to_be_unique" in text
    assert f"aime24/{json.loads(lines[0])['id']}" in text


@pytest.mark.slow
def test_negative_price_fails_validation(bundle, tmp_path: Path) -> None:
    b = copy_bundle(bundle, tmp_path / "bundle")
    models = json.loads((bundle / "outcomes/llmrouter/default_llm.json").read_text())
    models["gemma-2-9b-it"]["input_price"] = -0.1
    _replace(b / "outcomes/llmrouter/default_llm.json", json.dumps(models))
    text = _failure_text(_validate(b, tmp_path, ("prices",)))
    assert "table 'prices', column 'input_usd_per_mtok'" in text and "gemma-2-9b-it" in text and "-0.1" in text


@pytest.mark.slow
def test_unpriced_model_fails_validation(bundle, tmp_path: Path) -> None:
    b = copy_bundle(bundle, tmp_path / "bundle")
    src = bundle / "outcomes/zeroeval/zeroeval_outcomes.csv.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    extra = [",".join([*ln.split(",")[:2], "mystery-model-7b", *ln.split(",")[3:]]) for ln in lines[1:4]]
    _replace(b / "outcomes/zeroeval/zeroeval_outcomes.csv.gz", "\n".join([*lines, *extra]) + "\n")
    text = _failure_text(_validate(b, tmp_path, ("prices", "outcomes")))
    assert "table 'prices', column 'input_usd_per_mtok': expect_column_values_to_not_be_null" in text
    assert "table 'outcomes', column 'cost_usd'" in text and "mystery-model-7b" in text
