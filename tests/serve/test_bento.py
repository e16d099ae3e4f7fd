"""The bento: built from a project folder (the tiny world's tables and router inside), it holds its Dockerfile,
and `bentoml serve` of it answers the openai client (slow: a real build and a real two-worker server)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(serve_root, tmp_path_factory):
    """(tag, package output folder, environment, BENTOML_HOME) of a bento built in a temporary BENTOML_HOME."""
    ctx = tmp_path_factory.mktemp("project")
    for name in ("service.py", "bentofile.yaml"):
        shutil.copy(REPO / name, ctx / name)
    shutil.copytree(REPO / "xrouter", ctx / "xrouter", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(serve_root / "data", ctx / "data")
    shutil.copytree(serve_root / "models" / "router", ctx / "models" / "router")
    (ctx / "params.yaml").write_text(yaml.safe_dump({"data": {"bundle": "."}, "serve": {"source": "replay"}}))
    home = tmp_path_factory.mktemp("bentoml")
    env = {**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"}
    out = ctx / "models" / "bento"
    code = ("import sys; from pathlib import Path; from xrouter.serve.bento import build; "
            "print(build(Path(sys.argv[1]), Path(sys.argv[2])))")  # its own process: BentoML reads its env once
    tag = subprocess.run([sys.executable, "-c", code, str(ctx), str(out)], env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return tag, out, env, home


@pytest.mark.slow
def test_the_bento_holds_its_dockerfile_sources_and_artifacts(built) -> None:
    tag, out, _, home = built
    name, version = tag.split(":")
    bento = home / "bentos" / name / version
    dockerfile = (bento / "env" / "docker" / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    for rel in ("src/service.py", "src/params.yaml", "src/models/router/router.json", "src/models/router/policy.pt",
                "src/data/prices.parquet", "src/data/responses.parquet", "src/xrouter/serve/app.py"):
        assert (bento / rel).is_file(), rel
    packages = (bento / "env" / "python" / "requirements.txt").read_text()
    assert "torch==2.13.0+cpu" in packages and "nvidia" not in packages
    info = json.loads((out / "bento.json").read_text())
    assert info["tag"] == tag and (out / "xrouter.bento").stat().st_size > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_bentoml_serve_answers_the_openai_client(built, questions, tmp_path) -> None:
    tag, _, env, _ = built
    port = _free_port()
    env = {**env, "XROUTER_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "bentoml", "serve", tag, "--host", "127.0.0.1", "--port",
                             str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the bento did not become ready"
            time.sleep(1)
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="dummy")
        r = client.chat.completions.create(model="router-tool-rl", max_tokens=1000, messages=[
            {"role": "user", "content": questions[0]}])
        assert r.choices[0].message.content and r.router_metadata["model_used"]
        assert r.router_metadata["total_cost"] > 0
        assert [m.id for m in client.models.list()] == ["router-tool-rl"]
        metrics = httpx.get(f"{base}/metrics").text
        assert "xrouter_requests_total" in metrics and "xrouter_cost_usd_total" in metrics
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
