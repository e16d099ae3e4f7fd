"""`RoutingEnv`: one routing episode — the router calls models as tools, then answers or selects a response.

Per episode the router may take `max_turns` actions (3 in the original xRouter). Each `CallModels` turn runs
its calls (several per turn allowed; concurrently on live backends), records them in the ledger and shows the
router their text. `SelectResponse` returns an earlier call's text verbatim; `Answer` returns the router's
own. A limit — turns, calls or cost — ends the episode with the best answer so far: the response of the
priciest model that answered (the router cannot know which answer is right, so neither may the fallback),
and `routing_strategy` says which limit fired (`max_turns_reached`, `max_calls_reached`, `max_cost_reached`;
the other strategies are the original serving code's `direct_response` and `select_response`).

An optional `CallGuard` (serving's budgets) sees every model call: `before` runs ahead of the call with the
call's messages and parameters and may refuse it by raising `CallRefused` (the call then never reaches the
backend, is recorded as an error, and the episode ends with `max_cost_reached` after that turn); `after`
receives what the call produced (a `Completion`, or the error text).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from xrouter.backends.base import Backend, BackendError, Completion
from xrouter.env.ledger import Ledger
from xrouter.env.reward import EpisodeCost, RewardParams, check_lambda, episode_reward
from xrouter.env.rules import (
    EpisodeLimits, calls_allowed, fallback_answer, limit_after_calls, target_messages, unique_call_name,
)
from xrouter.env.types import (
    Action, Answer, CallModels, CallRecord, EpisodeResult, ModelCall, Observation, Query, Router, SelectResponse,
)
from xrouter.pool import ModelPool, ModelSpec, PoolError

# judge(query, final_text, completion_or_None) -> score in [0, 1]; the completion is given when the final
# text is a model's response (replay judges use its recorded outcome), None when the router wrote it.
Judge = Callable[[Query, str, Completion | None], float]


class CallRefused(RuntimeError):
    """A `CallGuard` refused a model call (e.g. its worst-case cost exceeds what is left of a budget)."""


class CallGuard(Protocol):
    def before(self, spec: ModelSpec, call: ModelCall, messages: list[dict[str, str]],
               params: dict) -> object: ...  # a token handed back to `after`; raises CallRefused to refuse

    def after(self, token: object, outcome: Completion | str) -> None: ...


class EpisodeError(RuntimeError):
    """The router asked for something impossible (unknown tool or call name); the message says what."""


@dataclass
class _State:
    query: Query
    lam: float
    turn: int
    ledger: Ledger
    responses: list[CallRecord]
    completions: dict[str, Completion]
    actions: int = 0


class RoutingEnv:
    def __init__(self, pool: ModelPool, backend: Backend, judge: Judge, limits: EpisodeLimits | None = None,
                 reward: RewardParams | None = None, parallel_calls: bool | None = None,
                 guard: CallGuard | None = None) -> None:
        self.pool = pool
        self.guard = guard
        self.backend = backend
        self.judge = judge
        self.limits = limits or EpisodeLimits()
        self.reward = reward or RewardParams()
        self.parallel_calls = backend.name != "replay" if parallel_calls is None else parallel_calls

    # -- the episode loop -------------------------------------------------------------------------------
    def run(self, router: Router, query: Query, lam: float) -> EpisodeResult:
        state = self.reset(query, lam)
        while True:
            result = self.step(state, router.act(self.observe(state)))
            if result is not None:
                return result

    def run_all(self, router: Router, queries: list[Query], lam: float, progress: bool = False) -> list[EpisodeResult]:
        """One episode per query, in order, at one λ (a router with `warm(texts)` gets every text first)."""
        warm = getattr(router, "warm", None)
        if warm is not None:
            warm([q.text for q in queries])
        if progress:
            from rich.progress import track  # noqa: PLC0415

            queries = track(queries, description=router.name, transient=True)
        return [self.run(router, q, lam) for q in queries]

    # Stepping one episode by hand (`reset`, `observe`, `step`) lets a trainer advance many episodes in
    # lockstep and batch its policy's forward passes; `run` is the same loop for one router.
    def reset(self, query: Query, lam: float) -> _State:
        return _State(query, check_lambda(lam), 1, Ledger(), [], {})

    def observe(self, s: _State) -> Observation:
        return Observation(
            query=s.query, turn=s.turn, responses=tuple(s.responses), spent_usd=s.ledger.total_cost_usd,
            lam=s.lam, turns_left=self.limits.max_turns - s.turn + 1,
            calls_left=self.limits.max_calls - s.ledger.n_calls,
        )

    def step(self, s: _State, action: Action) -> EpisodeResult | None:
        """Apply one action; the episode's result once it has ended, else None."""
        s.actions += 1
        if isinstance(action, Answer):
            return self._finish(s, action.text, "router", None, "direct_response")
        if isinstance(action, SelectResponse):
            completion = s.completions.get(action.call_name)
            if completion is None and any(r.call_name == action.call_name for r in s.responses):
                return self._finish(s, None, None, None, "select_failed_call")  # that call errored: no answer
            if completion is None:
                raise EpisodeError(f"select_response: no earlier call named '{action.call_name}'; "
                                   f"calls: {sorted(s.completions)}")
            return self._finish(s, completion.text, completion.model, completion, "select_response")
        if not isinstance(action, CallModels) or not action.calls:
            raise EpisodeError(f"unknown or empty action: {action!r}")
        limit = self._run_calls(s, action.calls)
        s.turn += 1
        if limit is None and s.turn > self.limits.max_turns:
            limit = "max_turns"
        return None if limit is None else self._finish_best(s, f"{limit}_reached")

    def _run_calls(self, s: _State, calls: tuple[ModelCall, ...]) -> str | None:
        n = calls_allowed(s.ledger.n_calls, len(calls), self.limits)
        todo, limit = calls[:n], ("max_calls" if n < len(calls) else None)
        specs = []
        for call in todo:
            try:
                spec = self.pool.resolve(call.model)
            except PoolError as err:
                raise EpisodeError(str(err)) from err
            specs.append(spec)
        results = self._complete_all(s.query, todo, specs)
        if any(isinstance(r, str) and r.startswith(CallRefused.__name__) for r in results):
            limit = "max_cost"
        for call, spec, outcome in zip(todo, specs, results):
            name = unique_call_name({r.call_name for r in s.responses}, spec.tool)
            args = {"system_prompt": call.system_prompt, "temperature": call.temperature}
            if isinstance(outcome, Completion):
                s.completions[name] = outcome
                record = CallRecord.from_completion(s.turn, name, outcome, requested_model=spec.id, arguments=args,
                                                    attempts=int(outcome.extra.get("attempts", 1)))
            else:
                record = CallRecord.failed(s.turn, name, spec.id, outcome, arguments=args, backend=self.backend.name)
            s.ledger.record(record)
            s.responses.append(record)
        return limit or limit_after_calls(s.ledger.total_cost_usd, s.ledger.n_calls, self.limits)

    def _complete_all(self, query: Query, calls, specs) -> list[Completion | str]:
        def one(pair) -> Completion | str:
            call, spec = pair
            messages = target_messages(call.system_prompt, query.text, query.messages)
            params = {"temperature": call.temperature, "prompt_id": query.prompt_id}
            if query.max_tokens is not None:
                params["max_tokens"] = query.max_tokens
            token = None
            if self.guard is not None:
                try:
                    token = self.guard.before(spec, call, messages, params)
                except CallRefused as err:
                    return f"{CallRefused.__name__}: {err}"
            try:
                outcome: Completion | str = self.backend.complete(spec.id, messages, **params)
            except BackendError as err:
                outcome = f"{type(err).__name__}: {err}"
            if self.guard is not None:
                self.guard.after(token, outcome)
            return outcome

        pairs = list(zip(calls, specs))
        if self.parallel_calls and len(pairs) > 1:
            with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
                return list(pool.map(one, pairs))
        return [one(p) for p in pairs]

    # -- endings ----------------------------------------------------------------------------------------
    def end(self, s: _State, strategy: str) -> EpisodeResult:
        """End an episode from outside (serving): `last_response` returns the latest answer, any other
        strategy (e.g. `timeout`) the fallback answer of a limit."""
        if strategy == "last_response" and s.completions:
            c = list(s.completions.values())[-1]
            return self._finish(s, c.text, c.model, c, strategy)
        return self._finish_best(s, strategy)

    def _finish_best(self, s: _State, strategy: str) -> EpisodeResult:
        best = fallback_answer([(c, self.pool.get(c.model).reference_price)
                                for c in s.completions.values() if c.text or c.outcome is not None])
        if best is None:
            return self._finish(s, None, None, None, strategy)
        return self._finish(s, best.text, best.model, best, strategy)

    def _finish(self, s: _State, text: str | None, final_model: str | None, completion: Completion | None,
                strategy: str) -> EpisodeResult:
        score = 0.0 if text is None and completion is None else float(self.judge(s.query, text or "", completion))
        cost = s.ledger.total_cost_usd
        return EpisodeResult(
            prompt_id=s.query.prompt_id, final_text=text, final_model=final_model, routing_strategy=strategy,
            models_called=s.ledger.models_called, cost_usd=cost, turns=s.actions, score=score,
            reward=episode_reward(None if final_model is None else score, EpisodeCost(cost), s.lam, self.reward),
            lam=s.lam, calls=tuple(s.ledger.entries),
        )
