"""`Engine`: one chat request → one routing episode of the trained router, within its budgets and deadline.

The request's last user message is the query the router sees (and the key a replay recording is found
by); the whole chat — the user's system prompt and earlier turns included — reaches every target model
(`xrouter.env.rules.target_messages`). The episode runs in `RoutingEnv` with a per-request `RequestGuard`
(budgets, reservations, call history) and stops at `episode_deadline_s` with the best answer so far
(`routing_strategy: timeout`). The router's prompt embeddings live in a bounded in-memory LRU
(`serve.embedding_cache` entries) and are never written to disk.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xrouter.env.episode import EpisodeError, RoutingEnv
from xrouter.env.rules import EpisodeLimits
from xrouter.env.types import Query
from xrouter.pool import ModelPool
from xrouter.routers.base import RoutingError
from xrouter.serve.config import ServeParams
from xrouter.serve.explain import explain_turn
from xrouter.serve.guard import RequestGuard
from xrouter.serve.metadata import router_metadata, usage


class BudgetRefused(RuntimeError):
    """No call of the request fitted its budget: nothing reached a provider (HTTP 402, `budget_exceeded`)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class RouterFailed(RuntimeError):
    """The router itself failed before any model had answered (HTTP 502, `router_error`)."""


class LruEmbeddings:
    """A thread-safe bounded text → embedding map (least recently used out), in memory only."""

    def __init__(self, capacity: int, encode: Callable[[list[str]], Any]) -> None:
        self.capacity, self._encode = capacity, encode
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock, self._encode_lock = threading.Lock(), threading.Lock()

    def __contains__(self, text: object) -> bool:
        with self._lock:
            return text in self._items

    def __getitem__(self, text: str) -> Any:
        with self._lock:
            self._items.move_to_end(text)
            return self._items[text]

    def __setitem__(self, text: str, vector: Any) -> None:
        with self._lock:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def warm(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self]
        if todo:
            with self._encode_lock:
                vectors = self._encode(todo)
            for t, v in zip(todo, vectors):
                self[t] = v


def _minilm_tensors(texts: list[str]) -> Any:
    import torch  # noqa: PLC0415

    from xrouter.embeddings import embed  # noqa: PLC0415

    return torch.tensor(embed(texts, use_cache=False))  # no per-prompt files on disk


@dataclass(frozen=True)
class Job:
    """One validated request, as the engine runs it."""

    messages: tuple[dict[str, str], ...]
    max_tokens: int
    lam: float
    max_cost_usd: float
    request_id: str
    key_id: Any = None


@dataclass(frozen=True)
class Served:
    text: str
    metadata: dict[str, Any]
    usage: dict[str, int]
    cost_usd: float


class Engine:
    """`lambda_range`: the router card's trained range (requests outside it are refused); `default_lambda`: the
    λ of a request that names none (the card's operating λ; None: every request must name one)."""

    def __init__(self, router: Any, pool: ModelPool, source: Any, params: ServeParams, *,
                 lambda_range: tuple[float, float], default_lambda: float | None, limits: EpisodeLimits | None = None,
                 ledger: Any = None, on_call: Callable[[dict], None] | None = None,
                 explain: Callable[[Any, Any, Any], dict | None] | None = None) -> None:
        self.router, self.pool, self.source, self.params = router, pool, source, params
        self.lambda_range, self.default_lambda = lambda_range, default_lambda
        self.limits = limits or EpisodeLimits()
        self.ledger, self.on_call = ledger, on_call
        self.explain = explain or explain_turn
        if hasattr(router, "_emb") and hasattr(router, "warm"):  # the embedded router: bounded, in memory
            self.embeddings = LruEmbeddings(params.embedding_cache, _minilm_tensors)
            router._emb = self.embeddings
            router.warm = self.embeddings.warm

    # -- loading --------------------------------------------------------------------------------------
    @classmethod
    def from_params(cls, params: ServeParams, *, limits: EpisodeLimits | None = None, ledger: Any = None,
                    on_call: Callable[[dict], None] | None = None) -> Engine:
        """The trained router of `params.router` over its pool, priced from `params.data`, with `params.source`."""
        from xrouter.data.prepare import read_tables  # noqa: PLC0415
        from xrouter.pool import load_pool  # noqa: PLC0415
        from xrouter.routers.card import read_card  # noqa: PLC0415
        from xrouter.routers.factory import load_trained_router  # noqa: PLC0415

        card = read_card(Path(params.router))
        world = None
        if params.source in ("replay", "demo"):
            from xrouter.data.world import ReplayWorld  # noqa: PLC0415

            world = ReplayWorld.from_data_dir(Path(params.data))
            prices = world.prices
        else:
            prices = read_tables(Path(params.data), ("prices",))["prices"]
        pool = load_pool(card.pool, prices).subset(card.models)
        router = endpoint_router(params, pool) if params.router_endpoint else load_trained_router(params.router, pool)
        default = None if card.operating_lambda is None else card.check_lambda(card.operating_lambda)
        return cls(router, pool, make_source(params, pool, world), params, lambda_range=card.lambda_range,
                   default_lambda=default, limits=limits, ledger=ledger, on_call=on_call)

    # -- one request ----------------------------------------------------------------------------------
    def query(self, job: Job) -> Query:
        """The router's query for a chat: its last user message, identified by the source (may raise
        `PromptNotInReplay`)."""
        text = next(m["content"] for m in reversed(job.messages) if m["role"] == "user")
        admitted = self.source.admit(text)
        return Query(admitted.prompt_id, text, messages=job.messages, max_tokens=job.max_tokens)

    def run(self, job: Job, on_call: Callable[[dict], None] | None = None) -> Served:
        """One episode for `job`; `on_call` (besides the engine's own) sees each finished call's entry."""
        start = time.monotonic()
        query = self.query(job)
        hooks = [h for h in (self.on_call, on_call) if h is not None]
        guard = RequestGuard(self.source, job.max_cost_usd, job.request_id, job.key_id, self.ledger,
                             lambda entry: [h(entry) for h in hooks])
        env = RoutingEnv(self.pool, self.source.backend, _no_judge, self.limits, guard=guard)
        state = env.reset(query, job.lam)
        explanation: list[dict] = []
        deadline = start + self.params.episode_deadline_s
        while True:
            if time.monotonic() > deadline:
                result = env.end(state, "timeout")
                break
            obs = env.observe(state)
            try:
                action = self.router.act(obs)
            except RoutingError as err:  # e.g. the router's endpoint is down: keep an answer if there is one
                if not obs.responses or all(r.error for r in obs.responses):
                    raise RouterFailed(f"the router failed before any model answered: {err}") from err
                result = env.end(state, "last_response")
                break
            why = self.explain(self.router, obs, action)
            if why is not None:
                explanation.append({"turn": obs.turn, **why})
            try:
                result = env.step(state, action)
            except EpisodeError:
                result = env.end(state, "last_response")
            if result is not None:
                break
        if result.final_text is None and guard.refusal is not None and all(r.error for r in result.calls):
            raise BudgetRefused(guard.refusal, _refusal_message(guard))
        meta = router_metadata(result, lam=job.lam, total_time=time.monotonic() - start, router_cost=0.0,
                               explanation=explanation, source=self.source.name, request_id=job.request_id)
        return Served(result.final_text or "", meta, usage(result), meta["total_cost"])


def _no_judge(query: Query, text: str, completion: Any) -> float:
    return 0.0  # serving has no ground truth; the episode's score and reward are unused


def _refusal_message(guard: RequestGuard) -> str:
    return f"request refused before any model was called ({guard.refusal}): {guard.refusal_detail}"


def endpoint_router(params: ServeParams, pool: ModelPool) -> Any:
    """The LLM router behind `serve.router_endpoint` (an `EndpointRouter`)."""
    import os  # noqa: PLC0415

    from xrouter.rl.llm.endpoint import EndpointRouter, mode_for  # noqa: PLC0415

    ep = params.router_endpoint
    key = os.environ.get(ep.api_key_env, "EMPTY") if ep.api_key_env else "EMPTY"
    return EndpointRouter(pool, base_url=ep.base_url, model=ep.model, mode=ep.mode or mode_for(ep.model), api_key=key,
                          timeout_s=ep.timeout_s)


def make_source(params: ServeParams, pool: ModelPool, world: Any, **live_kwargs: Any) -> Any:
    from xrouter.serve.sources import DemoSource, LiveSource, ReplaySource  # noqa: PLC0415

    if params.source == "replay":
        return ReplaySource(world, pool)
    if params.source == "demo":
        return DemoSource(world, pool, params.demo.max_new_tokens)
    lp = params.live
    return LiveSource(pool, timeout_s=lp.timeout_s, max_retries=lp.max_retries, backoff_s=lp.backoff_s,
                      fallback_same_tier=lp.fallback_same_tier, api_base=lp.api_base,
                      model_prefix=lp.model_prefix, **live_kwargs)
