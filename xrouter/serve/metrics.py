"""Prometheus metrics of the service: requests, latency, cost and calls by model, refusals by reason.

Each `ServeMetrics` owns its registry (several apps may live in one test process). Under `bentoml serve`
the samples are written to BentoML's multiprocess folder and its own `/metrics` sums them over workers; a
bare app (uvicorn) serves them at `/metrics` itself.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ServeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("xrouter_requests", "Chat requests by HTTP status and streaming.",
                                ["status", "stream"], registry=r)
        self.latency = Histogram("xrouter_request_latency_seconds", "Chat request latency (episode included).",
                                 ["stream"], buckets=LATENCY_BUCKETS, registry=r)
        self.cost = Counter("xrouter_cost_usd", "USD spent on target-model calls, by model.", ["model", "backend"],
                            registry=r)
        self.calls = Counter("xrouter_model_calls", "Target-model calls by model and outcome (ok, error, refused).",
                             ["model", "backend", "outcome"], registry=r)
        self.refusals = Counter("xrouter_refusals", "Requests refused, by reason.", ["reason"], registry=r)

    def observe_call(self, entry: dict) -> None:
        error = entry.get("error")
        outcome = "ok" if error is None else ("refused" if "budget_exceeded" in error else "error")
        backend = entry.get("backend") or "none"
        self.calls.labels(entry["model_id"], backend, outcome).inc()
        if entry["cost"]:
            self.cost.labels(entry["model_id"], backend).inc(entry["cost"])

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
