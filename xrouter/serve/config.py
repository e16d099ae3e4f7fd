"""The `serve` block of params.yaml: where answers come from, the router, budgets, limits and the listen address.

Relative paths are resolved against the folder holding params.yaml (`ServeParams.resolved`), so the service
behaves the same from the project root and from inside a built bento.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LiveParams(_Block):
    """`source: live`: target models through LiteLLM with the providers' keys from the environment."""

    timeout_s: float = Field(30.0, gt=0, description="Per-attempt provider timeout.")
    max_retries: int = Field(2, ge=0, description="Retries of a transient error (timeout, 408, 429, 5xx) per model.")
    backoff_s: float = Field(0.5, ge=0, description="Base of the jittered exponential backoff between retries.")
    fallback_same_tier: bool = Field(True, description="After a model's retries, try the next model of its tier.")
    api_base: str | None = Field(None, description="One OpenAI-compatible base URL for every model (a gateway).")
    model_prefix: str = Field("", description="Prefix of the LiteLLM model name (e.g. 'openai/' behind api_base).")


class DemoParams(_Block):
    """`source: demo`: replay where recorded, else SmolLM2-135M on CPU writes the chosen model's answer."""

    max_new_tokens: int = Field(96, ge=1, description="Cap on a stand-in answer's length (CPU time).")


class RouterEndpointParams(_Block):
    """The LLM router served by an OpenAI-compatible endpoint (vLLM; `infra/vllm`) instead of in-process."""

    base_url: str = Field(description="The endpoint's base URL, ending in /v1.")
    model: str = Field(description="The served model name (vllm serve ... --served-model-name).")
    mode: Literal["choice", "tools"] | None = Field(
        None, description="choice: prefill + structured-output choice (SmolLM2); tools: Hermes tool calls "
                          "(Qwen2.5); None: from the model name.")
    api_key_env: str | None = Field(None, description="Environment variable holding the endpoint's key.")
    timeout_s: float = Field(30.0, gt=0)


class ServeParams(_Block):
    source: Literal["demo", "replay", "live"] = Field(
        "demo", description="demo: replay + local stand-in (make serve); replay: recorded only (422 otherwise); "
                            "live: providers through LiteLLM.")
    router: Path = Field(Path("models/router"), description="The trained router folder (router.json).")
    router_endpoint: RouterEndpointParams | None = Field(
        None, description="Route through an LLM router endpoint; the card in `router` still names pool and λ range.")
    data: Path = Field(Path("data"), description="Prepared tables: the replay world and the price catalog.")
    host: str = "127.0.0.1"
    port: int = Field(8800, ge=1, le=65535)
    model_name: str = Field("router-tool-rl", description="The served model id (the xRouter seed's name).")
    model_aliases: list[str] = Field(default_factory=list, description="Further ids answered by the router.")
    require_key: bool = Field(False, description="Refuse requests without a valid `Authorization: Bearer` key.")
    ledger_url: str = Field("sqlite:///.xrouter/ledger.db",
                            description="Cost ledger: sqlite:///path or postgresql://... (XROUTER_LEDGER_URL wins).")
    default_max_tokens: int = Field(1024, ge=1, description="Per-call output cap when a request gives none.")
    max_cost_usd: float = Field(1.0, gt=0, description="Per-request cost cap when a request gives none.")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Larger request bodies get a 413.")
    max_messages: int = Field(256, ge=1, description="Messages per request.")
    episode_deadline_s: float = Field(60.0, gt=0, description="An episode still running after this ends: timeout.")
    workers: int | None = Field(
        None, ge=1, description="Threads running episodes (the bounded worker pool). None: by source (see "
                                "`episode_threads`).")
    torch_threads: int | None = Field(
        1, ge=1, description="torch intra-op threads of a serving process (set by its entry point: service.py, "
                             "python -m xrouter.serve); the policy's tensors are tiny, and more threads only "
                             "fight the episode threads and the other workers for the cores. None: torch's default.")
    max_pending: int = Field(64, ge=1, description="Requests admitted at once; more get a 503.")
    embedding_cache: int = Field(4096, ge=1, description="Prompt embeddings kept in memory (LRU, never on disk).")
    otlp_endpoint: str | None = Field(None, description="OpenTelemetry collector (OTLP/HTTP) for request and call "
                                                        "spans; None: the OTEL_EXPORTER_OTLP_* variables, else off.")
    live: LiveParams = LiveParams()
    demo: DemoParams = DemoParams()

    @property
    def episode_threads(self) -> int:
        """`workers`, or by source when None: replay 1 — its episodes are CPU-bound Python, and more threads
        only take turns on the GIL (benchmarks/serve_load.py, uvicorn, 8 clients: 133 req/s with 1 thread, 89
        with 4); demo 2, so a recorded prompt is not stuck behind a stand-in answer being generated; live 4,
        episodes that mostly wait on providers."""
        return self.workers or {"replay": 1, "demo": 2, "live": 4}[self.source]

    def resolved(self, root: Path) -> ServeParams:
        """The same params with `router`, `data` and a relative SQLite ledger path anchored at `root`."""
        anchor = lambda p: p if p.is_absolute() else (root / p).resolve()  # noqa: E731
        url = self.ledger_url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{anchor(Path(url.removeprefix('sqlite:///')))}"
        return self.model_copy(update={"router": anchor(self.router), "data": anchor(self.data), "ledger_url": url})


def configure_process(params: ServeParams) -> None:
    """Process-wide settings of a serving process, applied by its entry point (never by a library call: a test
    process building an app keeps its own torch threads)."""
    if params.torch_threads is not None:
        import torch  # noqa: PLC0415

        torch.set_num_threads(params.torch_threads)


def load_serve_params(params_file: str | Path = "params.yaml") -> ServeParams:
    """The `serve:` block of a params file, its paths resolved; `XROUTER_LEDGER_URL` overrides the ledger URL
    (the ledger's own convention, see docs/serving-ledger.md)."""
    from xrouter.config import load_params  # noqa: PLC0415 (xrouter.config imports this module)

    params = load_params(params_file)
    serve = params.serve.resolved(params.root)
    url = os.environ.get("XROUTER_LEDGER_URL")
    return serve.model_copy(update={"ledger_url": url}) if url else serve
