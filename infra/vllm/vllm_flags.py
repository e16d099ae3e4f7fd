"""The `vllm serve` command line that serves the LLM router, per model family — the one place the flags live.

- Qwen2.5 (Hermes chat template): `--enable-auto-tool-choice --tool-call-parser hermes`, so the router's
  `tools` come back as OpenAI `tool_calls` (`EndpointRouter(mode="tools")`).
- SmolLM2: its chat template renders no tools, so no tool parser; the router prefills
  `<tool_call>{"name": "` and constrains the rest to its grammar's choices with a request-level
  `structured_outputs: {"choice": [...]}` (`EndpointRouter(mode="choice")`); structured outputs need no flag.

Plain Python (no vLLM, no BentoML import): the BentoML service and the tests build the same list.
"""

from __future__ import annotations

FAMILY_FLAGS: dict[str, list[str]] = {
    "qwen2.5": ["--enable-auto-tool-choice", "--tool-call-parser", "hermes"],
    "smollm2": [],
}
ENDPOINT_MODE = {"qwen2.5": "tools", "smollm2": "choice"}  # how xrouter.rl.llm.endpoint asks each family


def family_of(model: str) -> str:
    """The family of a model id or folder name (`Qwen/Qwen2.5-7B-Instruct` -> qwen2.5)."""
    name = model.lower().replace("_", "-")
    if "qwen2.5" in name or "qwen2-5" in name:
        return "qwen2.5"
    if "smollm2" in name:
        return "smollm2"
    raise ValueError(f"vllm: unknown model family for {model!r}; pass family= one of {sorted(FAMILY_FLAGS)}")


def vllm_command(model: str, *, family: str | None = None, served_name: str = "xrouter-router",
                 host: str = "127.0.0.1", port: int = 8000, max_model_len: int | None = 8192,
                 dtype: str = "auto", gpu_memory_utilization: float | None = None,
                 extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """`vllm serve <model> ...` for the router model: the served name the `EndpointRouter` asks for, the
    family's tool flags, and the context the router's conversations need."""
    fam = family or family_of(model)
    if fam not in FAMILY_FLAGS:
        raise ValueError(f"vllm: family must be one of {sorted(FAMILY_FLAGS)}, got {fam!r}")
    if not 1 <= port <= 65535:
        raise ValueError(f"vllm: port must be in 1..65535, got {port}")
    cmd = ["vllm", "serve", model, "--served-model-name", served_name, "--host", host, "--port", str(port),
           "--dtype", dtype, "--generation-config", "vllm", "--disable-uvicorn-access-log"]
    if max_model_len is not None:
        cmd += ["--max-model-len", str(max_model_len)]
    if gpu_memory_utilization is not None:
        cmd += ["--gpu-memory-utilization", str(gpu_memory_utilization)]
    return cmd + FAMILY_FLAGS[fam] + list(extra)
