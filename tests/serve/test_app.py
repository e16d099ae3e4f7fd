"""The OpenAI-compatible API over the tiny replay world: the issue's client code, streaming, metadata,
headers, models, spend, metrics and health — against a real uvicorn server with a real SQLite ledger."""

from __future__ import annotations

import math

import httpx
import openai
import pytest
from fastapi.testclient import TestClient

from xrouter.serve.app import create_app
from xrouter.serve.metadata import CALL_KEYS

META_KEYS = {"model_used", "total_cost", "router_cost", "target_models_cost", "total_time", "routing_strategy",
             "turns_used", "lambda", "call_history"}


@pytest.fixture
def app(replay_params, replay_engine, ledger):
    return create_app(replay_params, engine=replay_engine, ledger=ledger)


def test_the_issues_client_code_works_unchanged(live_server, app, ledger, questions) -> None:
    with live_server(app) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="dummy")
        raw = client.chat.completions.with_raw_response.create(model="router-tool-rl", max_tokens=1000, messages=[
            {"role": "user", "content": questions[0]}])
        r = raw.parse()
        print(r.choices[0].message.content, r.router_metadata["model_used"], r.router_metadata["total_cost"])
    meta = r.router_metadata
    assert r.choices[0].message.content and META_KEYS <= set(meta)
    assert all(set(c) == set(CALL_KEYS) for c in meta["call_history"])
    assert math.isclose(float(raw.headers["x-xrouter-cost"]), meta["total_cost"], abs_tol=1e-8)
    assert r.usage.total_tokens == sum(c["tokens_used"]["total"] for c in meta["call_history"]) > 0
    assert meta["explanation"] and meta["explanation"][0]["action"].startswith("call_")
    rows = ledger.spend()
    assert math.isclose(sum(x["cost_usd"] for x in rows), meta["total_cost"])
    assert sum(x["calls"] for x in rows) == sum(c["error"] is None for c in meta["call_history"])


def test_streaming_with_usage_ends_with_the_metadata_and_records_the_same_spend(live_server, app, ledger, questions) -> None:
    with live_server(app) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="dummy")
        plain = client.chat.completions.create(model="router-tool-rl", messages=[
            {"role": "user", "content": questions[1]}])
        after_plain = sum(x["cost_usd"] for x in ledger.spend())
        chunks = list(client.chat.completions.create(
            model="router-tool-rl", stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": questions[1]}]))
        bare = list(client.chat.completions.create(model="router-tool-rl", stream=True, messages=[
            {"role": "user", "content": questions[1]}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1]
    assert text == plain.choices[0].message.content
    assert last.choices == [] and last.usage.total_tokens == plain.usage.total_tokens
    assert last.router_metadata["total_cost"] == plain.router_metadata["total_cost"]
    assert bare[-1].choices[0].finish_reason == "stop" and bare[-1].router_metadata["model_used"]
    assert all(c.usage is None for c in bare)
    total = sum(x["cost_usd"] for x in ledger.spend())
    assert math.isclose(total, 3 * after_plain)  # streamed and plain requests record the same spend


def test_models_health_metrics_and_spend(app, questions) -> None:
    with TestClient(app) as client:
        assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["router-tool-rl"]
        assert client.get("/livez").status_code == 200 and client.get("/readyz").json() == {"status": "ok"}
        r = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "messages": [
            {"role": "user", "content": questions[2]}]})
        assert r.status_code == 200
        client.post("/v1/chat/completions", json={"model": "router-tool-rl", "max_cost_usd": 1e-12,
                                                   "messages": [{"role": "user", "content": questions[2]}]})
        metrics = client.get("/metrics").text
        spend = client.get("/v1/spend").json()["data"]
    assert 'xrouter_requests_total{status="200",stream="false"} 1.0' in metrics
    assert 'xrouter_refusals_total{reason="max_cost_usd"} 1.0' in metrics
    assert "xrouter_request_latency_seconds_bucket" in metrics and "xrouter_cost_usd_total{" in metrics
    called = {c["model_id"] for c in r.json()["router_metadata"]["call_history"] if c["error"] is None}
    assert {row["model"] for row in spend} == called
    assert all(row["day"] and row["key_id"] is None for row in spend)


def test_lambda_and_max_cost_are_checked(app, questions) -> None:
    msg = [{"role": "user", "content": questions[0]}]
    with TestClient(app) as client:
        out = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "lambda": 1000, "messages": msg})
        low = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "lambda": 0.5, "messages": msg})
        nan = client.post("/v1/chat/completions", content=b'{"model": "router-tool-rl", "lambda": NaN, '
                          b'"messages": [{"role": "user", "content": "hi"}]}',
                          headers={"content-type": "application/json"})
        neg = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "lambda": -1, "messages": msg})
        cost = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "max_cost_usd": -0.5,
                                                         "messages": msg})
        nan_cost = client.post("/v1/chat/completions", content=b'{"model": "router-tool-rl", "max_cost_usd": NaN, '
                               b'"messages": [{"role": "user", "content": "hi"}]}',
                               headers={"content-type": "application/json"})
        refused = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "max_cost_usd": 1e-12,
                                                            "messages": msg})
    assert out.status_code == 400 and "[0.5, 500]" in out.json()["error"]["message"]
    assert out.json()["error"]["param"] == "lambda" and low.status_code == 200
    assert low.json()["router_metadata"]["lambda"] == 0.5
    for r, param in ((nan, "lambda"), (neg, "lambda"), (cost, "max_cost_usd"), (nan_cost, "max_cost_usd")):
        assert r.status_code == 400 and r.json()["error"]["param"] == param, r.json()
    err = refused.json()["error"]
    assert refused.status_code == 402 and err["code"] == "budget_exceeded" and "max_cost_usd" in err["message"]


@pytest.mark.parametrize("body, status, code, param", [
    (b'{"model": "router-tool-rl", "messages": [', 400, "invalid_json", None),
    (b'{"model": "router-tool-rl"}', 400, "invalid_value", "messages"),
    (b'{"model": "router-tool-rl", "messages": []}', 400, "invalid_value", "messages"),
    (b'{"model": "router-tool-rl", "messages": [{"role": "user", "content": "  "}]}', 400, "invalid_value",
     "messages"),
    (b'{"model": "router-tool-rl", "messages": [{"role": "wizard", "content": "hi"}]}', 400, "invalid_value",
     "messages.0.role"),
    (b'{"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]}', 404, "model_not_found", "model"),
    (b'[1, 2]', 400, "invalid_request", None),
])
def test_bad_input_gets_a_clear_openai_error(app, body, status, code, param) -> None:
    with TestClient(app) as client:
        r = client.post("/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    err = r.json()["error"]
    assert r.status_code == status and err["code"] == code and err["param"] == param and err["message"], err


def test_oversize_body_is_refused_before_it_is_read(replay_params, replay_engine, ledger) -> None:
    app = create_app(replay_params.model_copy(update={"max_body_bytes": 2048}), engine=replay_engine, ledger=ledger)
    big = {"model": "router-tool-rl", "messages": [{"role": "user", "content": "x" * 5000}]}
    with TestClient(app) as client:
        r = client.post("/v1/chat/completions", json=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert ledger.spend() == []


def test_unrecorded_prompt_in_replay_is_a_422(app) -> None:
    with TestClient(app) as client:
        r = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "messages": [
            {"role": "user", "content": "Write a haiku about routers."}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "prompt_not_in_replay"


def test_keys_are_required_when_configured_and_spend_is_per_key(replay_params, replay_engine, ledger,
                                                                questions) -> None:
    app = create_app(replay_params.model_copy(update={"require_key": True}), engine=replay_engine, ledger=ledger)
    key, secret = ledger.create_key("alice", 5.0)
    msg = {"model": "router-tool-rl", "messages": [{"role": "user", "content": questions[3]}]}
    with TestClient(app) as client:
        missing = client.post("/v1/chat/completions", json=msg)
        wrong = client.post("/v1/chat/completions", json=msg, headers={"authorization": "Bearer sk-nope"})
        ok = client.post("/v1/chat/completions", json=msg, headers={"authorization": f"Bearer {secret}"})
        spend = client.get("/v1/spend", headers={"authorization": f"Bearer {secret}"}).json()
        anonymous_spend = client.get("/v1/spend")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    assert ok.status_code == 200 and spend["key_id"] == key.id
    assert math.isclose(sum(r["cost_usd"] for r in spend["data"]), ok.json()["router_metadata"]["total_cost"])
    assert anonymous_spend.status_code == 401
    assert math.isclose(ledger.remaining(key.id), 5.0 - ok.json()["router_metadata"]["total_cost"])


def test_a_keyed_request_reserves_before_each_call_and_a_keyless_one_writes_only_its_call_rows(
        replay_params, replay_engine, ledger, questions) -> None:
    import sqlalchemy as sa

    statements: list[list[str]] = []
    sa.event.listen(ledger.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: statements.append(statement.split()[0:3]))
    app = create_app(replay_params, engine=replay_engine, ledger=ledger)
    key, secret = ledger.create_key("carol", 5.0)
    msg = {"model": "router-tool-rl", "messages": [{"role": "user", "content": questions[2]}]}
    with TestClient(app) as client:
        statements.clear()
        keyless = client.post("/v1/chat/completions", json=msg).json()["router_metadata"]
        keyless_statements, statements[:] = list(statements), []
        keyed = client.post("/v1/chat/completions", json=msg, headers={"authorization": f"Bearer {secret}"})
    n_calls = len(keyless["call_history"])
    assert n_calls >= 1 and len(keyed.json()["router_metadata"]["call_history"]) == n_calls
    assert not any(s[:3] == ["INSERT", "INTO", "reservations"] for s in keyless_statements)
    assert sum(s[:3] == ["INSERT", "INTO", "calls"] for s in keyless_statements) == n_calls
    assert sum(s[:3] == ["INSERT", "INTO", "reservations"] for s in statements) == n_calls
    rows = ledger.spend()
    assert {r["key_id"] for r in rows} == {None, key.id}
    assert math.isclose(sum(r["cost_usd"] for r in rows if r["key_id"] is None), keyless["total_cost"])
    assert math.isclose(ledger.key_spend(key.id), keyless["total_cost"]) and ledger.audit()[0]["ok"]


def test_any_client_library_sees_openai_errors(live_server, app) -> None:
    with live_server(app) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="dummy", max_retries=0)
        with pytest.raises(openai.NotFoundError, match="model_not_found"):
            client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(openai.BadRequestError, match="lambda"):
            client.chat.completions.create(model="router-tool-rl", messages=[{"role": "user", "content": "hi"}],
                                           extra_body={"lambda": 1e6})
        assert httpx.get(f"{server.url}/readyz").status_code == 200


def test_each_request_and_call_is_a_span_with_its_cost(replay_params, replay_engine, ledger, questions) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from xrouter.serve.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    app = create_app(replay_params, engine=replay_engine, ledger=ledger, telemetry=Telemetry(exporter, batch=False))
    with TestClient(app) as client:
        meta = client.post("/v1/chat/completions", json={"model": "router-tool-rl", "messages": [
            {"role": "user", "content": questions[1]}]}).json()["router_metadata"]
    spans = exporter.get_finished_spans()
    request = next(s for s in spans if s.parent is None)
    calls = [s for s in spans if s.parent is not None]
    assert request.attributes["gen_ai.request.model"] == "router-tool-rl"
    assert math.isclose(request.attributes["xrouter.cost_usd"], meta["total_cost"])
    assert len(calls) == len(meta["call_history"]) and all(s.parent.span_id == request.context.span_id for s in calls)
    assert {s.attributes["gen_ai.response.model"] for s in calls} == {c["model_id"] for c in meta["call_history"]}
