"""The FastAPI app: OpenAI-compatible chat completions over the router, with budgets, a ledger and metrics.

`create_app(params)` builds everything from a typed `ServeParams` (params.yaml `serve:`); tests pass their
own `engine` and `ledger`. Routes (under `prefix`, "/v1" for a bare app; BentoML mounts the app at /v1
itself and serves /livez, /readyz and /metrics):

- `POST /chat/completions`: plain or SSE (`stream: true`; with `stream_options.include_usage` a last chunk
  with `choices: []`, `usage` and `router_metadata`, else the metadata rides on the finishing chunk). Every
  answer carries `router_metadata` and the header `x-xrouter-cost` (USD, the request's total).
- `GET /models`: the router's id (`router-tool-rl`) and the configured aliases.
- `GET /spend`: the ledger's spend per key, model and day (the caller's own key when one is given).

Errors use OpenAI's schema. Episodes run on a bounded thread pool (`serve.workers`); at most
`serve.max_pending` requests are admitted at once, more get a 503 `overloaded`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from xrouter.env.reward import LambdaError, check_lambda
from xrouter.serve.config import ServeParams
from xrouter.serve.engine import BudgetRefused, Engine, Job, RouterFailed, Served
from xrouter.serve.metrics import ServeMetrics
from xrouter.serve.schemas import ApiError, ChatCompletionRequest, error_from_validation
from xrouter.serve.sources import PromptNotInReplay
from xrouter.serve.telemetry import Telemetry, provider_of

STREAM_PIECE_CHARS = 48  # characters of the answer per SSE chunk


class ServeState:
    """What the routes share: the engine, the ledger, metrics, the worker pool and the admission count."""

    def __init__(self, params: ServeParams, engine: Engine, ledger: Any, metrics: ServeMetrics,
                 telemetry: Telemetry) -> None:
        self.params, self.engine, self.ledger, self.metrics = params, engine, ledger, metrics
        self.telemetry = telemetry
        self.pool = ThreadPoolExecutor(max_workers=params.episode_threads, thread_name_prefix="episode")
        self.pending = 0
        self.models = [params.model_name, *params.model_aliases]

    def ready(self) -> bool:
        """Ready when the ledger's database answers."""
        try:
            with self.ledger.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False


def create_app(params: ServeParams, *, engine: Engine | None = None, ledger: Any = None, prefix: str = "/v1",
               health_routes: bool = True, orphan_age_s: float = 0.0, telemetry: Telemetry | None = None) -> FastAPI:
    """The service app. `engine`/`ledger` default to those `params` describe; `health_routes` adds /livez,
    /readyz and /metrics at the root (BentoML serves its own). Reservations at least `orphan_age_s` old are
    dropped at start (0 for one process; several workers sharing a ledger pass more than an episode lasts).
    `telemetry` defaults to OTLP export to `params.otlp_endpoint` (a no-op without one)."""
    metrics = ServeMetrics()
    if ledger is None:
        from xrouter.serve.ledger import Ledger  # noqa: PLC0415

        ledger = Ledger.from_url(params.ledger_url)
    ledger.cleanup_orphans(orphan_age_s)  # reservations a killed process left behind
    if engine is None:
        engine = Engine.from_params(params, ledger=ledger, on_call=metrics.observe_call)
    else:
        engine.ledger, engine.on_call = ledger, metrics.observe_call
    state = ServeState(params, engine, ledger, metrics, telemetry or Telemetry.from_endpoint(params.otlp_endpoint))

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        state.pool.shutdown(wait=True, cancel_futures=True)
        state.telemetry.shutdown()

    app = FastAPI(title="xrouter", lifespan=lifespan)
    app.state.serve = state

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, err: ApiError) -> JSONResponse:
        return err.response()

    @app.post(f"{prefix}/chat/completions")
    async def chat_completions(request: Request) -> Response:
        start = time.perf_counter()
        stream = False
        try:
            body = await _read_json(request, params.max_body_bytes)
            stream = bool(isinstance(body, dict) and body.get("stream"))
            response = await _chat(state, request, body)
        except ApiError as err:
            if err.code == "budget_exceeded":
                metrics.refusals.labels(err.param or "budget").inc()
            response = err.response()
        metrics.requests.labels(str(response.status_code), str(stream).lower()).inc()
        metrics.latency.labels(str(stream).lower()).observe(time.perf_counter() - start)
        return response

    @app.get(f"{prefix}/models")
    async def models() -> dict:
        created = int(time.time())
        return {"object": "list", "data": [{"id": m, "object": "model", "created": created, "owned_by": "xrouter"}
                                           for m in state.models]}

    @app.get(f"{prefix}/spend")
    async def spend(request: Request) -> Response:
        """Spend per key, model and UTC day: the caller's key, or every key for a keyless caller (only when
        serve.require_key is off)."""
        try:
            key = _authenticate(state, request)
        except ApiError as err:
            return err.response()
        rows = await asyncio.get_running_loop().run_in_executor(state.pool, lambda: state.ledger.spend(key_id=key))
        return JSONResponse({"object": "list", "key_id": key, "data": rows})

    if health_routes:
        @app.get("/livez")
        async def livez() -> dict:
            return {"status": "ok"}

        @app.get("/readyz")
        async def readyz() -> Response:
            ok = state.ready()
            return JSONResponse({"status": "ok" if ok else "not ready"}, status_code=200 if ok else 503)

        @app.get("/metrics")
        async def prometheus() -> Response:
            return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")

    return app


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"request body of {declared} bytes exceeds serve.max_body_bytes ({limit})",
                       code="request_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body exceeds serve.max_body_bytes ({limit})", code="request_too_large")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ApiError(400, f"the request body is not valid JSON: {err}", code="invalid_json") from err


def _authenticate(state: ServeState, request: Request) -> Any:
    """The caller's key id: None for an anonymous caller (allowed unless serve.require_key)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    key = state.ledger.authenticate(token) if token else None
    if key is None and state.params.require_key:
        if not token:
            raise ApiError(401, "missing API key: send `Authorization: Bearer <key>` (xrouter keys create)",
                           code="missing_api_key", type_="authentication_error")
        raise ApiError(401, "invalid API key", code="invalid_api_key", type_="authentication_error")
    return None if key is None else getattr(key, "id", key)


def _job(state: ServeState, req: ChatCompletionRequest, key_id: Any) -> Job:
    p, engine = state.params, state.engine
    if req.model not in state.models:
        raise ApiError(404, f"model '{req.model}' does not exist; models: {state.models}", code="model_not_found",
                       param="model")
    if len(req.messages) > p.max_messages:
        raise ApiError(400, f"messages: at most {p.max_messages} per request", code="invalid_value",
                       param="messages")
    lam = engine.default_lambda if req.lambda_ is None else req.lambda_
    lo, hi = engine.lambda_range
    if lam is None:
        raise ApiError(400, f"lambda: the router names no operating λ; send one in [{lo:g}, {hi:g}]",
                       code="invalid_value", param="lambda")
    try:
        lam = check_lambda(lam, engine.lambda_range)
    except LambdaError as err:
        raise ApiError(400, str(err), code="invalid_value", param="lambda") from err
    return Job(req.chat(), req.output_cap() or p.default_max_tokens, float(lam),
               p.max_cost_usd if req.max_cost_usd is None else req.max_cost_usd, uuid.uuid4().hex, key_id)


async def _chat(state: ServeState, request: Request, body: Any) -> Response:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_request")
    key_id = _authenticate(state, request)
    try:
        req = ChatCompletionRequest.model_validate(body)
    except ValidationError as err:
        raise error_from_validation(err.errors()) from err
    job = _job(state, req, key_id)
    if state.pending >= state.params.max_pending:
        raise ApiError(503, f"server busy: {state.pending} requests in flight (serve.max_pending)",
                       code="overloaded", type_="server_error", headers={"retry-after": "1"})
    state.pending += 1
    try:
        served = await asyncio.get_running_loop().run_in_executor(state.pool, _run, state, job, req.stream, req.model)
    finally:
        state.pending -= 1
    headers = {"x-xrouter-cost": f"{served.cost_usd:.8f}", "x-request-id": job.request_id}
    created = int(time.time())
    rid = f"chatcmpl-{job.request_id}"
    if req.stream:
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        return StreamingResponse(_sse(served, rid, created, req.model, include_usage),
                                 media_type="text/event-stream", headers=headers)
    return JSONResponse({
        "id": rid, "object": "chat.completion", "created": created, "model": req.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": served.text},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": served.usage, "router_metadata": served.metadata,
    }, headers=headers)


def _run(state: ServeState, job: Job, stream: bool, model: str) -> Served:
    """One episode in its request span, then its request row in the ledger (before any byte is sent)."""
    ledger, telemetry, pool = state.ledger, state.telemetry, state.engine.pool
    with telemetry.request_span(model=model, request_id=job.request_id, lam=job.lam, max_tokens=job.max_tokens,
                                max_cost_usd=job.max_cost_usd, stream=stream) as span:
        def trace_call(entry: dict) -> None:
            provider = provider_of(pool.get(entry["model_id"]).litellm_model) if entry["model_id"] in pool.ids \
                else None
            telemetry.record_call(entry, parent=span, provider=provider, max_tokens=job.max_tokens)

        try:
            served = state.engine.run(job, on_call=trace_call if telemetry.enabled else None)
        except PromptNotInReplay as err:
            span.fail("prompt_not_in_replay", str(err))
            raise ApiError(422, str(err), code="prompt_not_in_replay", param="messages") from err
        except RouterFailed as err:
            span.fail("router_error", str(err))
            ledger.record_request(job.request_id, job.key_id, None, 0.0, "router_error", "none")
            raise ApiError(502, str(err), code="router_error", type_="server_error") from err
        except BudgetRefused as err:
            span.fail("budget_exceeded", str(err))
            ledger.record_request(job.request_id, job.key_id, None, 0.0, "refused", err.reason)
            raise ApiError(402, str(err), code="budget_exceeded", param=err.reason,
                           type_="insufficient_quota") from err
        span.finish(served.metadata, served.usage)
    meta = served.metadata
    ledger.record_request(job.request_id, job.key_id, meta["model_used"], served.cost_usd,
                          "ok_stream" if stream else "ok", meta["routing_strategy"])
    return served


def _chunk(rid: str, created: int, model: str, choices: list, **extra: Any) -> str:
    body = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices,
            **extra}
    return f"data: {json.dumps(body)}\n\n"


async def _sse(served: Served, rid: str, created: int, model: str, include_usage: bool):
    yield _chunk(rid, created, model, [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                        "finish_reason": None}])
    text = served.text
    for i in range(0, len(text), STREAM_PIECE_CHARS):
        yield _chunk(rid, created, model, [{"index": 0, "delta": {"content": text[i:i + STREAM_PIECE_CHARS]},
                                            "finish_reason": None}])
    last = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    if include_usage:
        yield _chunk(rid, created, model, last)
        yield _chunk(rid, created, model, [], usage=served.usage, router_metadata=served.metadata)
    else:
        yield _chunk(rid, created, model, last, router_metadata=served.metadata)
    yield "data: [DONE]\n\n"

