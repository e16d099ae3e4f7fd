"""`ReplayBackend`: a model call answered by what that model really did on that prompt.

The prompt is identified by the `prompt_id` parameter or, failing that, by the text of the last user message
(matched exactly against the replay prompts' question or full prompt). The completion carries the recorded
response text where the bundle has it (ZeroEval; LLMRouter records none: the text is empty), the recorded or
estimated tokens, the cost from the price catalog, and the recorded grade in `outcome` for the judge. The
system prompt a router writes does not change a replayed answer (the recording was made without it); that is
the replay world's one simplification, stated in docs/environment.md. An unknown prompt or model raises.
"""

from __future__ import annotations

from typing import Any

from xrouter.backends.base import BackendError, Completion
from xrouter.data.world import ReplayWorld


class ReplayBackend:
    name = "replay"
    accepts_prompt_id = True  # answers by the prompt id: part of a cache key

    def __init__(self, world: ReplayWorld) -> None:
        self.world = world

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        prompt_id = params.get("prompt_id") or self._identify(messages)
        outcome = self.world.outcome(prompt_id, model)
        if outcome is None:
            if not self.world.has_prompt(prompt_id):
                raise BackendError(f"replay: unknown prompt '{prompt_id}'")
            raise BackendError(f"replay: model '{model}' has no recorded outcome on prompt '{prompt_id}'")
        text = self.world.response(prompt_id, model) or ""
        return Completion(
            model=model,
            text=text,
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
            cost_usd=outcome.cost_usd,
            latency_s=0.0,
            tokens_estimated=outcome.tokens_estimated,
            backend=self.name,
            outcome={"correct": float(outcome.correct), "score": outcome.score},
            extra={"prompt_id": prompt_id},
        )

    def _identify(self, messages: list[dict[str, str]]) -> str:
        user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
        pid = self.world.prompt_id_for_text(user)
        if pid is None:
            raise BackendError(
                "replay: the user message matches no replay prompt (pass prompt_id=..., or send the prompt's exact "
                f"question text); got {user[:80]!r}"
            )
        return pid
