"""Request and model-call spans with the GenAI semantic attributes and their cost — recorded by the real
OpenTelemetry SDK (in-memory exporter), exported over OTLP/HTTP to a real receiver on 127.0.0.1 only when an
endpoint is configured."""

from __future__ import annotations

import http.server
import threading
import time
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from xrouter.serve.telemetry import Telemetry, provider_of

ENTRY = {"call_id": "call_gpt_4o_mini_2024_07_18", "function_name": "call_gpt_4o_mini_2024_07_18",
         "model_id": "gpt-4o-mini-2024-07-18", "requested_model": "gpt-4o-mini-2024-07-18", "cost": 0.00042,
         "tokens_used": {"prompt": 120, "completion": 30, "total": 150}, "latency": 0.25, "backend": "replay",
         "attempts": 1, "cached": False, "error": None}
META = {"model_used": "gpt-4o-mini-2024-07-18", "total_cost": 0.00042, "router_cost": 0.0,
        "target_models_cost": 0.00042, "routing_strategy": "select_response", "turns_used": 2,
        "call_history": [ENTRY], "cost_simulated": False}


@pytest.fixture
def traced():
    exporter = InMemorySpanExporter()
    yield Telemetry(exporter, batch=False), exporter


def test_request_and_calls_become_spans_with_genai_attributes_and_cost(traced) -> None:
    telemetry, exporter = traced
    failed = {**ENTRY, "call_id": "call_o1_mini_2024_09_12", "model_id": "o1-mini-2024-09-12",
              "requested_model": "o1-mini-2024-09-12", "cost": 0.0, "latency": 0.0,
              "tokens_used": {"prompt": 0, "completion": 0, "total": 0}, "error": "timeout after 30s"}
    before = time.time_ns()
    with telemetry.request_span(model="router-tool-rl", request_id="r-1", lam=7.0, max_tokens=1000) as request:
        telemetry.record_call(ENTRY, parent=request, provider=provider_of("gpt-4o-mini-2024-07-18"), max_tokens=1000)

        def worker() -> None:  # calls run on worker threads: the parent is passed, not taken from the context
            with telemetry.call_span(model="o1-mini-2024-09-12", provider="openai", parent=request) as call:
                call.finish(failed)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        request.finish(META, {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150})
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert set(spans) == {"chat router-tool-rl", "chat gpt-4o-mini-2024-07-18", "chat o1-mini-2024-09-12"}
    req, ok, bad = spans["chat router-tool-rl"], spans["chat gpt-4o-mini-2024-07-18"], spans["chat o1-mini-2024-09-12"]
    assert req.kind == SpanKind.SERVER and ok.kind == bad.kind == SpanKind.CLIENT
    assert ok.parent.span_id == bad.parent.span_id == req.context.span_id
    assert ok.context.trace_id == bad.context.trace_id == req.context.trace_id
    a = ok.attributes
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == a["gen_ai.system"] == "openai"
    assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (120, 30)
    assert a["xrouter.cost_usd"] == pytest.approx(0.00042) and a["xrouter.backend"] == "replay"
    assert a["gen_ai.request.max_tokens"] == 1000
    assert ok.end_time - ok.start_time == pytest.approx(0.25e9, rel=0.05) and ok.start_time >= before - 0.3e9
    assert bad.status.status_code == StatusCode.ERROR and bad.attributes["error.type"] == "timeout"
    r = req.attributes
    assert r["gen_ai.request.model"] == "router-tool-rl" and r["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert r["xrouter.cost_usd"] == pytest.approx(0.00042) and r["xrouter.routing_strategy"] == "select_response"
    assert (r["gen_ai.usage.input_tokens"], r["gen_ai.usage.output_tokens"]) == (120, 30) and r["xrouter.lambda"] == 7.0


def test_a_refused_request_and_an_escaping_error_mark_the_span(traced) -> None:
    telemetry, exporter = traced
    with telemetry.request_span(model="router-tool-rl", request_id="r-2") as request:
        request.fail("budget_exceeded", "key budget")
    with pytest.raises(RuntimeError), telemetry.request_span(model="router-tool-rl", request_id="r-3"):
        raise RuntimeError("boom")
    refused, crashed = exporter.get_finished_spans()
    assert refused.attributes["error.type"] == "budget_exceeded" and refused.status.status_code == StatusCode.ERROR
    assert crashed.status.status_code == StatusCode.ERROR and crashed.events[0].name == "exception"


def test_nothing_is_exported_without_an_endpoint(monkeypatch) -> None:
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    telemetry = Telemetry.from_endpoint(None)
    assert not telemetry.enabled
    with telemetry.request_span(model="router-tool-rl", request_id="r") as request:
        assert not request.span.is_recording()
        telemetry.record_call(ENTRY, parent=request)
        request.finish(META)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    assert Telemetry.from_endpoint(None).enabled  # the standard variable turns export on


class _Receiver(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.bodies.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_spans_reach_a_configured_otlp_endpoint() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        telemetry = Telemetry.from_endpoint(f"http://127.0.0.1:{server.server_address[1]}", service_name="xrouter-test")
        with telemetry.request_span(model="router-tool-rl", request_id="r-otlp") as request:
            telemetry.record_call(ENTRY, parent=request, provider="openai")
            request.finish(META)
        telemetry.shutdown()  # flushes the batch
    finally:
        server.shutdown()
    assert _Receiver.bodies and {p for p, _ in _Receiver.bodies} == {"/v1/traces"}
    spans, service = {}, set()
    for _, body in _Receiver.bodies:
        req = ExportTraceServiceRequest.FromString(body)
        for rs in req.resource_spans:
            service |= {a.value.string_value for a in rs.resource.attributes if a.key == "service.name"}
            for ss in rs.scope_spans:
                for s in ss.spans:
                    spans[s.name] = {a.key: a.value for a in s.attributes}
    assert service == {"xrouter-test"}
    call = spans["chat gpt-4o-mini-2024-07-18"]
    assert call["gen_ai.usage.input_tokens"].int_value == 120
    assert call["xrouter.cost_usd"].double_value == pytest.approx(0.00042)
    assert spans["chat router-tool-rl"]["xrouter.request_id"].string_value == "r-otlp"


def test_provider_names_follow_litellm_model_names() -> None:
    assert provider_of("together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo") == "together_ai"
    assert provider_of("claude-3-haiku-20240307") == "anthropic" and provider_of("o1-mini-2024-09-12") == "openai"
    assert provider_of("reka-core") == "unknown"
