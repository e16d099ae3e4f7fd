"""OpenTelemetry traces of the service: one span per request and one per model call, with the GenAI
semantic-convention attributes (`gen_ai.operation.name`, `gen_ai.request.model`, `gen_ai.response.model`,
`gen_ai.usage.input_tokens` / `output_tokens`, `gen_ai.provider.name` and the older `gen_ai.system`) plus
what the conventions have no name for: the USD cost (`xrouter.cost_usd`), the backend that answered, the
routing strategy.

Spans are exported only when an endpoint is configured — `Telemetry.from_endpoint(url)` (the `serve` params)
or the standard `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` variables — over OTLP/HTTP;
otherwise every span is a no-op that costs next to nothing. A `Telemetry` owns its own `TracerProvider` (the
process-global one is left alone), so several apps in one process (tests) do not share exporters.

A request span is the parent of its call spans even when calls run on worker threads: the parent is passed
explicitly (`call_span(..., parent=request)` / `record_call(entry, parent=request)`), not through the
thread-local context.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

OPERATION = "chat"
ROUTER_SYSTEM = "xrouter"
COST = "xrouter.cost_usd"
ENV_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def provider_of(litellm_model: str) -> str:
    """The provider behind a LiteLLM model name, as LiteLLM routes it: the `provider/` prefix when there is
    one (`together_ai/...`, `gemini/...`), else OpenAI for `gpt-*` / `o1*`-style names and Anthropic for
    `claude-*` (LiteLLM's bare names), else `unknown`."""
    name = litellm_model.strip()
    if "/" in name:
        return name.split("/", 1)[0]
    if name.startswith("claude"):
        return "anthropic"
    if name.startswith(("gpt-", "chatgpt", "o1", "o3", "o4", "text-")):
        return "openai"
    return "unknown"


def _set(span: Span, attributes: dict[str, Any]) -> None:
    span.set_attributes({k: v for k, v in attributes.items() if v is not None})


@dataclass
class RequestSpan:
    """The span of one chat-completion request (SERVER kind); `finish` records the outcome."""

    span: Span

    def finish(self, metadata: dict[str, Any], usage: dict[str, int] | None = None) -> None:
        """Attributes from the response's `router_metadata` and `usage`."""
        usage = usage or {}
        _set(self.span, {
            gen_ai.GEN_AI_RESPONSE_MODEL: metadata.get("model_used"),
            gen_ai.GEN_AI_USAGE_INPUT_TOKENS: usage.get("prompt_tokens"),
            gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: usage.get("completion_tokens"),
            COST: float(metadata.get("total_cost", 0.0)),
            "xrouter.router_cost_usd": metadata.get("router_cost"),
            "xrouter.target_models_cost_usd": metadata.get("target_models_cost"),
            "xrouter.routing_strategy": metadata.get("routing_strategy"),
            "xrouter.turns_used": metadata.get("turns_used"),
            "xrouter.calls": len(metadata.get("call_history", [])),
            "xrouter.cost_simulated": metadata.get("cost_simulated"),
        })

    def fail(self, error_type: str, message: str = "") -> None:
        """A refused or failed request: `error.type` (e.g. `budget_exceeded`) and an ERROR status."""
        self.span.set_attribute("error.type", error_type)
        self.span.set_status(Status(StatusCode.ERROR, message or error_type))


@dataclass
class CallSpan:
    """The span of one target-model call (CLIENT kind); `finish` records it from its `call_history` entry."""

    span: Span

    def finish(self, entry: dict[str, Any]) -> None:
        tokens = entry.get("tokens_used") or {}
        _set(self.span, {
            gen_ai.GEN_AI_RESPONSE_MODEL: entry.get("model_id"),
            gen_ai.GEN_AI_USAGE_INPUT_TOKENS: tokens.get("prompt"),
            gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: tokens.get("completion"),
            COST: float(entry.get("cost", 0.0)),
            "xrouter.call_id": entry.get("call_id"),
            "xrouter.backend": entry.get("backend"),
            "xrouter.attempts": entry.get("attempts"),
            "xrouter.cached": entry.get("cached"),
            "xrouter.cost_simulated": entry.get("simulated"),
        })
        if entry.get("error"):
            error = str(entry["error"])
            self.span.set_attribute("error.type", error.split(" ", 1)[0].split(":", 1)[0] or "error")
            self.span.set_status(Status(StatusCode.ERROR, error[:500]))


class Telemetry:
    """Request and call spans; a no-op unless built with an exporter (see the module docstring)."""

    def __init__(self, exporter: SpanExporter | None = None, *, service_name: str = "xrouter",
                 batch: bool = True) -> None:
        self.enabled = exporter is not None
        self.provider: TracerProvider | None = None
        if exporter is None:
            self.tracer: trace.Tracer = trace.NoOpTracer()
            return
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        self.provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
        self.tracer = self.provider.get_tracer("xrouter.serve")

    @classmethod
    def from_endpoint(cls, endpoint: str | None = None, *, service_name: str = "xrouter") -> Telemetry:
        """OTLP/HTTP export to `endpoint` (a collector's base URL; `/v1/traces` is appended unless present),
        else to the endpoint the standard OTEL_EXPORTER_OTLP_* variables name; a no-op when neither is set."""
        if not endpoint and not any(os.environ.get(v) for v in ENV_ENDPOINTS):
            return cls(None)
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

        if endpoint:
            url = endpoint.rstrip("/")
            exporter = OTLPSpanExporter(endpoint=url if url.endswith("/v1/traces") else f"{url}/v1/traces")
        else:
            exporter = OTLPSpanExporter()  # reads the OTEL_EXPORTER_OTLP_* variables itself
        return cls(exporter, service_name=service_name)

    @contextmanager
    def request_span(self, *, model: str, request_id: str, lam: float | None = None,
                     max_tokens: int | None = None, max_cost_usd: float | None = None,
                     stream: bool = False) -> Iterator[RequestSpan]:
        """The span of one request to the served router model `model`; an exception escaping the block is
        recorded on it (and re-raised)."""
        with self.tracer.start_as_current_span(f"{OPERATION} {model}", kind=SpanKind.SERVER) as span:
            _set(span, {
                gen_ai.GEN_AI_OPERATION_NAME: OPERATION,
                gen_ai.GEN_AI_PROVIDER_NAME: ROUTER_SYSTEM,
                gen_ai.GEN_AI_SYSTEM: ROUTER_SYSTEM,
                gen_ai.GEN_AI_REQUEST_MODEL: model,
                gen_ai.GEN_AI_REQUEST_MAX_TOKENS: max_tokens,
                gen_ai.GEN_AI_REQUEST_STREAM: stream,
                "xrouter.request_id": request_id,
                "xrouter.lambda": lam,
                "xrouter.max_cost_usd": max_cost_usd,
            })
            yield RequestSpan(span)

    def _call_attributes(self, model: str, provider: str | None, max_tokens: int | None) -> dict[str, Any]:
        return {
            gen_ai.GEN_AI_OPERATION_NAME: OPERATION,
            gen_ai.GEN_AI_PROVIDER_NAME: provider,
            gen_ai.GEN_AI_SYSTEM: provider,
            gen_ai.GEN_AI_REQUEST_MODEL: model,
            gen_ai.GEN_AI_REQUEST_MAX_TOKENS: max_tokens,
        }

    def _context(self, parent: RequestSpan | None) -> Any:
        return trace.set_span_in_context(parent.span) if parent is not None else None

    @contextmanager
    def call_span(self, *, model: str, provider: str | None = None, parent: RequestSpan | None = None,
                  max_tokens: int | None = None) -> Iterator[CallSpan]:
        """The span of one call to target model `model` (a pool id), a child of `parent` (else of the current
        span); call `finish(entry)` with the call's `call_history` entry."""
        span = self.tracer.start_span(f"{OPERATION} {model}", context=self._context(parent), kind=SpanKind.CLIENT,
                                      attributes=self._call_attributes(model, provider, max_tokens))
        with trace.use_span(span, end_on_exit=True):
            yield CallSpan(span)

    def record_call(self, entry: dict[str, Any], *, parent: RequestSpan | None = None,
                    provider: str | None = None, max_tokens: int | None = None) -> None:
        """A span for a call that has already finished, from its `call_history` entry: it ends now and starts
        `entry["latency"]` seconds earlier (for a guard's `on_call` callback, which sees calls afterwards)."""
        if not self.enabled:
            return
        end = time.time_ns()
        start = end - int(float(entry.get("latency") or 0.0) * 1e9)
        model = str(entry.get("requested_model") or entry.get("model_id"))
        span = self.tracer.start_span(f"{OPERATION} {model}", context=self._context(parent), kind=SpanKind.CLIENT,
                                      attributes=self._call_attributes(model, provider, max_tokens),
                                      start_time=start)
        CallSpan(span).finish(entry)
        span.end(end_time=end)

    def shutdown(self) -> None:
        """Flush and stop the exporter (at service shutdown)."""
        if self.provider is not None:
            self.provider.shutdown()
