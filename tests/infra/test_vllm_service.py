"""infra/vllm: the `vllm serve` command lines per model family, and the BentoML service that starts vLLM
through `__command__` and proxies to it (built here on CPU; vLLM itself runs only in the GPU image)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from xrouter.rl.llm.endpoint import mode_for

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "infra" / "vllm"))

from vllm_flags import ENDPOINT_MODE, FAMILY_FLAGS, family_of, vllm_command  # noqa: E402


def test_qwen_gets_the_hermes_tool_parser() -> None:
    cmd = vllm_command("Qwen/Qwen2.5-7B-Instruct", port=8000)
    assert cmd[:3] == ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
    i = cmd.index("--tool-call-parser")
    assert cmd[i + 1] == "hermes" and "--enable-auto-tool-choice" in cmd
    assert cmd[cmd.index("--served-model-name") + 1] == "xrouter-router" and cmd[cmd.index("--port") + 1] == "8000"
    assert cmd[cmd.index("--max-model-len") + 1] == "8192"


def test_smollm2_gets_no_tool_parser() -> None:
    cmd = vllm_command("/models/llm_router/model", family="smollm2", served_name="r", max_model_len=None)
    assert "--tool-call-parser" not in cmd and "--enable-auto-tool-choice" not in cmd
    assert "--max-model-len" not in cmd and cmd[cmd.index("--served-model-name") + 1] == "r"
    assert family_of("HuggingFaceTB/SmolLM2-135M-Instruct") == "smollm2"


def test_families_agree_with_the_endpoint_router_and_unknowns_are_refused() -> None:
    assert set(ENDPOINT_MODE) == set(FAMILY_FLAGS)
    for model in ("Qwen/Qwen2.5-7B-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"):
        assert ENDPOINT_MODE[family_of(model)] == mode_for(model)
    with pytest.raises(ValueError, match="unknown model family"):
        family_of("meta-llama/Llama-3.1-8B")
    with pytest.raises(ValueError, match="family must be one of"):
        vllm_command("x", family="llama")


def test_the_bentoml_service_starts_vllm_through_its_command() -> None:
    import service as vllm_service  # infra/vllm/service.py

    svc = vllm_service.RouterVLLM
    assert svc.has_custom_command()
    cmd = svc.inner().__command__()
    assert cmd == vllm_command("Qwen/Qwen2.5-7B-Instruct", port=vllm_service.VLLM_PORT)
    assert svc.config["http"]["proxy_port"] == int(cmd[cmd.index("--port") + 1])  # the proxy reaches vllm
    assert svc.config["endpoints"]["livez"] == "/health" and svc.config["resources"]["gpu"] == 1
    assert svc.labels["endpoint_mode"] == "tools" and svc.labels["model_family"] == "qwen2.5"
