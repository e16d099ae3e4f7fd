"""Bundles this project never saw: upstream-shaped files load with stated defaults, and a truncated or corrupt
file is an error naming the file and the fault (never a bare crash)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.projects import copy_bundle

from xrouter.data.bundle import LLMROUTER_TRAIN, ZEROEVAL_OUTCOMES, ZEROEVAL_PROMPTS, BundleError
from xrouter.data.outcomes import LLMROUTER_UNCLUSTERED_TASK, load_outcomes, load_replay_prompts


def _copy_bundle(src: Path, dst: Path, replace: dict[str, bytes]) -> Path:
    """A bundle in the shared layout (hard links), the files in `replace` written anew (unlinked first)."""
    copy_bundle(src, dst)
    for rel, data in replace.items():
        (dst / rel).unlink()
        (dst / rel).write_bytes(data)
    return dst


def test_upstream_llmrouter_records_without_cluster_id_load(bundle: Path, tmp_path: Path) -> None:
    upstream = [{"question": r["question"], "scores": r["scores"]}  # upstream's test split: no cluster_id
                for r in json.loads((bundle / LLMROUTER_TRAIN).read_text())[:40]]
    b = _copy_bundle(bundle, tmp_path / "b", {LLMROUTER_TRAIN: json.dumps(upstream).encode()})
    outcomes = load_outcomes(b, 4.0, 256, 1.0)
    r = outcomes[outcomes["source"] == "llmrouter"]
    assert r["prompt_id"].nunique() == 40 and set(r["task"]) == {LLMROUTER_UNCLUSTERED_TASK}
    assert len(r) == sum(len(u["scores"]) for u in upstream)
    prompts = load_replay_prompts(b)
    assert set(prompts.loc[prompts["source"] == "llmrouter", "task"]) == {LLMROUTER_UNCLUSTERED_TASK}


def test_a_record_without_scores_still_names_the_field(bundle: Path, tmp_path: Path) -> None:
    b = _copy_bundle(bundle, tmp_path / "b", {LLMROUTER_TRAIN: json.dumps([{"question": "q"}]).encode()})
    with pytest.raises(BundleError, match=r"train.json\[0\]: missing field 'scores'"):
        load_outcomes(b, 4.0, 256, 1.0)


@pytest.mark.parametrize("name", [ZEROEVAL_OUTCOMES, ZEROEVAL_PROMPTS])
def test_truncated_gzip_files_are_named(bundle: Path, tmp_path: Path, name: str) -> None:
    data = (bundle / name).read_bytes()
    b = _copy_bundle(bundle, tmp_path / "b", {name: data[: len(data) // 2]})
    load = load_outcomes if name == ZEROEVAL_OUTCOMES else load_replay_prompts
    with pytest.raises(BundleError, match=rf"{Path(name).name}: truncated or corrupt \(EOFError"):
        load(b, 4.0, 256, 1.0) if load is load_outcomes else load(b)


def test_a_file_that_is_not_gzip_is_named(bundle: Path, tmp_path: Path) -> None:
    b = _copy_bundle(bundle, tmp_path / "b", {ZEROEVAL_PROMPTS: b"this is not gzip"})
    with pytest.raises(BundleError, match=r"zeroeval_prompts.jsonl.gz: truncated or corrupt \(BadGzipFile"):
        load_replay_prompts(b)


@pytest.mark.slow
def test_the_cli_names_the_truncated_file(bundle: Path, tmp_path: Path) -> None:
    """Today's regression: the EOFError reached the CLI framework, which printed only 'Aborted.'."""
    data = gzip.compress(gzip.decompress((bundle / ZEROEVAL_OUTCOMES).read_bytes()))
    b = _copy_bundle(bundle, tmp_path / "b", {ZEROEVAL_OUTCOMES: data[: len(data) - 1000]})
    run = subprocess.run([str(Path(sys.executable).parent / "xrouter"), "evaluate", "--bundle", str(b), "--router",
                          "single:gpt-4o-mini-2024-07-18", "--lambda", "2", "--out", str(tmp_path / "x.json")],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "400"})
    assert run.returncode == 2 and "zeroeval_outcomes.csv.gz: truncated or corrupt" in run.stderr, run.stderr
    assert "Aborted" not in run.stderr and not (tmp_path / "x.json").exists()
