"""Where answers come from (`serve.source`): `replay`, `demo` and `live`, each a `Backend` for `RoutingEnv`
plus what serving needs around it — whether a prompt may be served, and a call's worst-case cost.

- `replay`: recorded prompts get what each model really answered at its recorded price
  (`xrouter.backends.replay`); a prompt that was never recorded is refused up front (422
  `prompt_not_in_replay`), never answered with an empty 200.
- `demo` (`make serve`): replay where recorded; for any other prompt the routing decision stays real and
  SmolLM2-135M on CPU writes the answer for the model the router chose. Such a call is labelled
  `backend: "standin"`, its tokens are SmolLM2's and its cost is the chosen model's price for them, marked
  `simulated`.
- `live`: the target models through LiteLLM (`xrouter.backends.litellm_backend`): per-attempt timeouts,
  retries of transient errors, then the next model of the same tier; attempts and the model that answered
  are in the completion's `extra` (and so in `call_history`).

The worst case of a call is what a budget must cover before it is sent. Replay knows it exactly (the
recorded cost). Otherwise it is `input tokens × input price + max_tokens × output price × multiplier`, with
input tokens counted by the stand-in's tokenizer, or — for a provider's unknown tokenizer — bounded by the
UTF-8 byte count plus 8 per message (a byte-level BPE token is at least one byte); a live call's fallbacks
are priced too, so the worst case covers whichever model answers.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from xrouter.backends.base import Backend, Completion
from xrouter.backends.replay import ReplayBackend
from xrouter.data.world import ReplayWorld
from xrouter.pool import ModelPool, ModelSpec

STANDIN = "standin"


class PromptNotInReplay(ValueError):
    """`source: replay` was asked a prompt that has no recording."""


@dataclass(frozen=True)
class Admitted:
    """A prompt the source will serve: its id (the replay prompt id, or a content hash) and whether recorded."""

    prompt_id: str
    recorded: bool


def worst_case_usd(spec: ModelSpec, input_tokens: int, max_tokens: int) -> float:
    return spec.cost_usd(input_tokens, max_tokens)


def byte_token_bound(messages: list[dict[str, str]]) -> int:
    """An upper bound on the tokens of `messages` for any byte-level tokenizer: bytes + 8 per message."""
    return sum(len(str(m.get("content") or "").encode()) + 8 for m in messages)


def _adhoc_id(text: str) -> str:
    return "adhoc:" + hashlib.sha1(text.encode()).hexdigest()[:16]


class ReplaySource:
    name = "replay"

    def __init__(self, world: ReplayWorld, pool: ModelPool) -> None:
        self.world, self.pool = world, pool
        self.backend: Backend = ReplayBackend(world)

    def admit(self, user_text: str) -> Admitted:
        pid = self.world.prompt_id_for_text(user_text)
        if pid is None:
            raise PromptNotInReplay(
                "the last user message matches no recorded prompt (source: replay answers only recorded prompts; "
                "send a recorded question verbatim, or serve with source: demo or live)")
        return Admitted(pid, True)

    def worst_case(self, spec: ModelSpec, messages: list[dict[str, str]], params: dict[str, Any]) -> float:
        outcome = self.world.outcome(str(params.get("prompt_id")), spec.id)
        return 0.0 if outcome is None else outcome.cost_usd  # no recording: the call fails without a cost


class StandinBackend:
    """SmolLM2-135M writing the answer of `model` (a pool model), billed at that model's price, simulated."""

    name = STANDIN

    def __init__(self, pool: ModelPool, max_new_tokens: int, smollm: Any = None) -> None:
        from xrouter.backends.local import LocalBackend  # noqa: PLC0415 (transformers; demo only)

        self.pool, self.max_new_tokens = pool, max_new_tokens
        self.local = LocalBackend(max_new_tokens=max_new_tokens, smollm=smollm)
        self._lock = threading.Lock()  # one generation at a time: the CPU has two cores

    def max_tokens(self, params: dict[str, Any]) -> int:
        return min(int(params.get("max_tokens") or self.max_new_tokens), self.max_new_tokens)

    def input_tokens(self, messages: list[dict[str, str]]) -> int:
        tok = self.local.smollm.tokenizer
        return len(tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True))

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        spec = self.pool.get(model)
        with self._lock:
            c = self.local.complete(self.local.model_name, messages, temperature=params.get("temperature") or 0.0,
                                    max_tokens=self.max_tokens(params))
        return Completion(
            model=model, text=c.text, input_tokens=c.input_tokens, output_tokens=c.output_tokens,
            cost_usd=spec.cost_usd(c.input_tokens, c.output_tokens), latency_s=c.latency_s, backend=STANDIN,
            extra={"simulated": True, "writer": self.local.model_name, "finish_reason": c.extra.get("finish_reason")},
        )


class _DemoBackend:
    name = "demo"

    def __init__(self, world: ReplayWorld, standin: StandinBackend) -> None:
        self.world, self.replay, self.standin = world, ReplayBackend(world), standin

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        pid = params.get("prompt_id")
        if pid is not None and self.world.has_prompt(pid) and self.world.outcome(pid, model) is not None:
            return self.replay.complete(model, messages, **params)
        return self.standin.complete(model, messages, **params)


class DemoSource:
    name = "demo"

    def __init__(self, world: ReplayWorld, pool: ModelPool, max_new_tokens: int, smollm: Any = None) -> None:
        self.world, self.pool = world, pool
        self.standin = StandinBackend(pool, max_new_tokens, smollm)
        self.backend: Backend = _DemoBackend(world, self.standin)

    def admit(self, user_text: str) -> Admitted:
        pid = self.world.prompt_id_for_text(user_text)
        return Admitted(pid, True) if pid is not None else Admitted(_adhoc_id(user_text), False)

    def worst_case(self, spec: ModelSpec, messages: list[dict[str, str]], params: dict[str, Any]) -> float:
        outcome = self.world.outcome(str(params.get("prompt_id")), spec.id)
        if outcome is not None:
            return outcome.cost_usd
        return worst_case_usd(spec, self.standin.input_tokens(messages), self.standin.max_tokens(params))


def same_tier_fallbacks(pool: ModelPool) -> dict[str, list[str]]:
    """Each model's fallback: the next model of its tier in pool order (wrapping), never itself."""
    out: dict[str, list[str]] = {}
    for m in pool:
        tier = [x.id for x in pool if x.tier == m.tier]
        if len(tier) > 1:
            out[m.id] = [tier[(tier.index(m.id) + 1) % len(tier)]]
    return out


class LiveSource:
    name = "live"

    def __init__(self, pool: ModelPool, *, timeout_s: float, max_retries: int, backoff_s: float,
                 fallback_same_tier: bool, api_base: str | None = None, api_key: str | None = None,
                 model_prefix: str = "", sleep: Any = None) -> None:
        from xrouter.backends.litellm_backend import LiteLLMBackend  # noqa: PLC0415 (litellm; live only)

        self.pool = pool
        self.fallbacks = same_tier_fallbacks(pool) if fallback_same_tier else {}
        prices = {m.id: (m.input_usd_per_mtok, m.output_usd_per_mtok * m.output_token_multiplier) for m in pool}
        extra = {} if sleep is None else {"sleep": sleep}
        self.backend: Backend = LiteLLMBackend(
            timeout_s=timeout_s, max_retries=max_retries, backoff_s=backoff_s, fallbacks=self.fallbacks,
            api_base=api_base, api_key=api_key, price_overrides=prices,
            aliases={m.id: model_prefix + (m.id if api_base else m.litellm_model) for m in pool}, **extra)

    def admit(self, user_text: str) -> Admitted:
        return Admitted(_adhoc_id(user_text), False)

    def worst_case(self, spec: ModelSpec, messages: list[dict[str, str]], params: dict[str, Any]) -> float:
        tokens_in, tokens_out = byte_token_bound(messages), int(params["max_tokens"])
        candidates = [spec] + [self.pool.get(m) for m in self.fallbacks.get(spec.id, [])]
        return max(worst_case_usd(c, tokens_in, tokens_out) for c in candidates)


AnswerSource = ReplaySource | DemoSource | LiveSource
