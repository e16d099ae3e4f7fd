"""The Prefect flow on a real ephemeral Prefect server, driving real DVC on a throwaway project copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.projects import copy_project

pytestmark = pytest.mark.slow


def test_flow_runs_the_first_stage_then_finds_it_up_to_date(bundle, tmp_path: Path) -> None:
    """`until='prepare'`: the flow's ordering and DVC's up-to-date check are what is under test; the validate
    stage under real DVC is tests/pipelines/test_dvc_pipeline.py's."""
    proj = copy_project(tmp_path, bundle, ("pipelines", "xrouter", "flows"))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180", "PREFECT_API_URL": ""}
    subprocess.run([str(bin_dir / "dvc"), "init", "--no-scm", "-q"], cwd=proj, check=True, env=env)
    # two flow runs in one process (one ephemeral server start-up)
    script = ("from flows.pipeline import pipeline; import json\n"
              "for _ in range(2): print('RESULT', json.dumps(pipeline(project='.', until='prepare')))")
    run = subprocess.run([sys.executable, "-c", script], cwd=proj, env=env, capture_output=True, text=True,
                         check=False, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    first, second = (line for line in run.stdout.splitlines() if line.startswith("RESULT"))
    assert first == 'RESULT {"prepare": "ran"}'
    assert second == 'RESULT {"prepare": "up to date"}'
    assert (proj / "data/benchmarks.parquet").is_file()
