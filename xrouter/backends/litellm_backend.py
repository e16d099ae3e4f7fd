"""Live provider calls through LiteLLM, with retries, backoff, fallbacks and priced tokens.

Policy, per call:
- every candidate model (the requested one, then its configured fallbacks in order) must have a price
  before anything is sent: a `price_overrides` entry (USD per million input/output tokens; it wins over
  LiteLLM's map) or LiteLLM's bundled price map. A model with neither raises `BackendError` up front —
  a call is never billed at a silent $0.
- transient failures (timeouts, connection errors, HTTP 408/429/5xx) are retried up to `max_retries` times
  with exponential backoff and jitter; other client errors (400, 401, 404, ...) are not retried.
- when a model's attempts are used up (or it failed with a client error), the next fallback is tried with
  the same policy; `BackendError` names the requested model and the last error when all fail.
- `latency_s` is the wall time of the whole call, retries and backoff included: what the caller waited.

LiteLLM's and the OpenAI SDK's own retries are switched off so that this module is the one retry policy.
"""

from __future__ import annotations

import functools
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import openai

from xrouter.backends.base import BackendError, Completion
from xrouter.data.prices import token_cost_usd


@functools.cache
def _litellm():
    """LiteLLM, imported on first use (importing this module changes nothing). Its import would download the
    price map unless LITELLM_LOCAL_MODEL_COST_MAP is set: it is set for the import only, unless the user set
    it, and the user's environment is left as it was. LiteLLM's debug banner is turned off on this first use."""
    before = os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm  # noqa: PLC0415
    finally:
        if before is None:
            os.environ.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)
    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner printed on every exception
    return litellm

_TRANSIENT_STATUS = frozenset({408, 429})  # request timeout, rate limit; other 4xx are the caller's fault


def is_transient(error: BaseException) -> bool:
    """Whether a provider error is worth retrying: timeouts, connection errors, 408, 429 and 5xx."""
    if isinstance(error, openai.APIConnectionError):  # litellm.Timeout and APIConnectionError subclass it
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status in _TRANSIENT_STATUS or status >= 500)


class LiteLLMBackend:
    """`complete(model, messages, **params)` for any LiteLLM model string ("openai/gpt-4o-mini", ...).

    Args:
        timeout_s: per-attempt request timeout (a `timeout` in `params` overrides it).
        max_retries: retries after the first attempt, per candidate model, for transient errors only.
        backoff_s: base delay; retry k (0-based) waits `min(max_backoff_s, backoff_s * 2**k)` scaled by a
            jitter factor drawn uniformly from [0.5, 1.0].
        fallbacks: model -> models to try in order once it has failed.
        api_base, api_key: passed to every call (None: LiteLLM reads the provider's environment variables).
        price_overrides: model -> (input, output) USD per million tokens.
        max_backoff_s: cap on one backoff delay.
        aliases: our model name -> LiteLLM model string (a pool's ids -> their providers' names; see
            `for_pool`); names without an alias are sent as they are.
        rng, sleep: injectable jitter source and sleep function (tests pass a seeded `random.Random` and a
            recorder so retries take no time).
    """

    name = "litellm"

    def __init__(
        self,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        backoff_s: float = 1.0,
        fallbacks: Mapping[str, Sequence[str]] | None = None,
        api_base: str | None = None,
        api_key: str | None = None,
        price_overrides: Mapping[str, Sequence[float]] | None = None,
        *,
        max_backoff_s: float = 30.0,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if max_retries < 0 or backoff_s < 0:
            raise ValueError(f"max_retries and backoff_s must be >= 0, got {max_retries} and {backoff_s}")
        overrides: dict[str, tuple[float, float]] = {}
        for m, prices in (price_overrides or {}).items():
            if len(prices) != 2 or min(prices) < 0:
                raise ValueError(f"price_overrides[{m!r}] must be (input, output) USD per M tokens >= 0")
            overrides[m] = (float(prices[0]), float(prices[1]))
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.fallbacks = {m: list(fb) for m, fb in (fallbacks or {}).items()}
        self.api_base = api_base
        self.api_key = api_key
        self.price_overrides = overrides
        self._rng = rng or random.Random()
        self._sleep = sleep
        self.aliases = dict(aliases or {})
        _litellm()  # a backend in use imports LiteLLM now, so no call's latency includes the import

    @classmethod
    def for_pool(cls, pool: Any, **kwargs: Any) -> "LiteLLMBackend":
        """A backend that accepts a pool's model ids and calls their LiteLLM names."""
        return cls(aliases={m.id: m.litellm_model for m in pool}, **kwargs)

    def provider_model(self, model: str) -> str:
        return self.aliases.get(model, model)

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        start = time.perf_counter()
        candidates = [model, *self.fallbacks.get(model, [])]
        for candidate in candidates:
            self.cost_usd(candidate, 0, 0)  # raises for an unpriced model before any call is billed
        attempts = 0
        last_error: BaseException | None = None
        for candidate in candidates:
            for retry in range(self.max_retries + 1):
                if retry:
                    self._sleep(self.backoff_delay(retry - 1))
                attempts += 1
                try:
                    response = _litellm().completion(**self._call_kwargs(candidate, messages, params))
                except openai.OpenAIError as error:  # every LiteLLM provider exception subclasses it
                    last_error = error
                    if not is_transient(error):
                        break
                    continue
                return self._completion(model, candidate, response, attempts, time.perf_counter() - start)
        raise BackendError(
            f"litellm: {model!r} failed after {attempts} attempt(s) over {candidates}; "
            f"last error: {type(last_error).__name__}: {last_error}"
        ) from last_error

    def backoff_delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0-based): capped exponential, jittered."""
        return min(self.max_backoff_s, self.backoff_s * 2**retry) * self._rng.uniform(0.5, 1.0)

    def cost_usd(self, model: str, input_tokens: int, output_tokens: int, usage: Any = None) -> float:
        """The price of a call: `price_overrides` first, then LiteLLM's map; `BackendError` if neither."""
        if model in self.price_overrides:
            price_in, price_out = self.price_overrides[model]
            return token_cost_usd(price_in, price_out, 1.0, input_tokens, output_tokens)
        model = self.provider_model(model)
        try:
            if usage is not None:  # the full usage object: cached and reasoning tokens are priced too
                cost_in, cost_out = _litellm().cost_per_token(model=model, usage_object=usage)
            else:
                cost_in, cost_out = _litellm().cost_per_token(
                    model=model, prompt_tokens=input_tokens, completion_tokens=output_tokens
                )
        except Exception as error:  # LiteLLM raises ModelNotMappedError or a bare Exception
            raise BackendError(
                f"litellm: no price for model {model!r}: LiteLLM's price map does not know it; "
                f"add it to price_overrides as (input, output) USD per million tokens"
            ) from error
        return float(cost_in + cost_out)

    def _call_kwargs(self, model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> dict:
        params = dict(params)
        prompt_id = params.pop("prompt_id", None)  # our bookkeeping, not a provider parameter
        kwargs: dict[str, Any] = {"timeout": self.timeout_s, **params}
        kwargs.update(model=self.provider_model(model), messages=messages, max_retries=0, num_retries=0)
        if prompt_id is not None:
            kwargs["metadata"] = {**kwargs.get("metadata", {}), "prompt_id": prompt_id}
        if self.api_base is not None:
            kwargs["api_base"] = self.api_base
        if self.api_key is not None:
            kwargs["api_key"] = self.api_key
        return kwargs

    def _completion(
        self, requested: str, model: str, response: Any, attempts: int, latency: float
    ) -> Completion:
        usage = response.usage
        input_tokens, output_tokens = int(usage.prompt_tokens), int(usage.completion_tokens)
        choice = response.choices[0]
        return Completion(
            model=model,
            text=choice.message.content or "",
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=self.cost_usd(model, input_tokens, output_tokens, usage=usage),
            latency_s=latency,
            backend=self.name,
            extra={
                "requested_model": requested,
                "attempts": attempts,
                "finish_reason": choice.finish_reason,
                "response_id": response.id,
            },
        )
