"""Real DVC: a corrupted bundle stops `dvc repro` with a message naming the problem. (The data stages on a
second bundle path, and a second `dvc repro` doing nothing, are checked by the whole chain in
test_dvc_evaluate_gate.py.)"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.projects import copy_bundle, copy_project

pytestmark = pytest.mark.slow


def _project(tmp: Path, bundle: Path) -> Path:
    proj = copy_project(tmp, bundle)
    _dvc(proj, "init", "--no-scm", "-q")
    return proj


def _dvc(proj: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    return subprocess.run([str(Path(sys.executable).parent / "dvc"), *args], cwd=proj, env=env, text=True,
                          capture_output=True, check=check, timeout=600)


def test_corrupted_bundle_stops_repro_naming_the_model(bundle, tmp_path: Path) -> None:
    bad = copy_bundle(bundle, tmp_path / "bad-bundle")
    path = bad / "outcomes/zeroeval/zeroeval_outcomes.csv.gz"
    with gzip.open(bundle / "outcomes/zeroeval/zeroeval_outcomes.csv.gz", "rt") as fh:
        lines = fh.read().splitlines()
    path.unlink()
    with gzip.open(path, "wt") as fh:
        extra = ",".join([*lines[1].split(",")[:2], "mystery-model-7b", *lines[1].split(",")[3:]])
        fh.write("\n".join([*lines, extra]) + "\n")
    proj = _project(tmp_path, bad)
    run = _dvc(proj, "repro", "validate", check=False)
    assert run.returncode != 0
    assert "data validation failed" in run.stderr and "mystery-model-7b" in run.stderr
    assert "table 'prices'" in run.stderr
