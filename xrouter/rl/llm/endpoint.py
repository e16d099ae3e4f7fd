"""`EndpointRouter`: the LLM router served by any OpenAI-compatible endpoint (vLLM in production, the local
CPU server `serve_local` in tests) instead of in-process weights.

Each turn it sends the conversation the LLM router was trained on (`chat.episode_messages`: tools, prices and
λ in the system prompt, earlier calls and results) and turns the reply into an action with the same parser
(`chat.parse_reply`). How the endpoint is asked for the tool choice depends on the model family:

- `choice` (SmolLM2 and any template that renders no tools): the reply is prefilled with the router's
  prefill (`<tool_call>{"name": "`, sent as a final assistant message with `continue_final_message`) and
  constrained to exactly one of the completions its grammar allows
  (`structured_outputs: {"choice": [...]}`, vLLM's guided choice) — what the in-process router decodes.
- `tools` (Qwen2.5 and other Hermes-template models): the standard `tools` list (one function per pool model
  and `select_response`, `env.tools`) with `tool_choice`; vLLM's Hermes parser (`--tool-call-parser hermes`)
  returns the calls as `tool_calls`, which are parsed like the in-process router's `<tool_call>` text.

Endpoint failures raise `EndpointError` (a `RoutingError`) naming the endpoint; they are not silently turned
into answers.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from xrouter.env.tools import SELECT_RESPONSE, routing_tools
from xrouter.env.types import Action, Observation
from xrouter.pool import ModelPool
from xrouter.rl.llm.chat import episode_messages, parse_reply, tool_completions
from xrouter.routers.base import RoutingError

DEFAULT_PREFILL = '<tool_call>{"name": "'
Mode = Literal["choice", "tools"]


class EndpointError(RoutingError):
    """The router endpoint could not be reached or answered something unusable."""


def mode_for(base_model: str) -> Mode:
    """The request style a model family needs: `tools` for Qwen2.5 (Hermes template), else `choice`."""
    return "tools" if "qwen" in base_model.lower() else "choice"


class EndpointRouter:
    def __init__(self, pool: ModelPool, *, base_url: str, model: str, mode: Mode = "choice",
                 api_key: str = "EMPTY", prefill: str = DEFAULT_PREFILL, response_chars: int = 300,
                 tool_choice: str = "auto", timeout_s: float = 30.0, max_retries: int = 1, max_tokens: int = 256,
                 client: Any = None) -> None:
        if mode not in ("choice", "tools"):
            raise RoutingError(f"endpoint router: mode must be 'choice' or 'tools', got {mode!r}")
        import openai  # noqa: PLC0415

        self.pool, self.model, self.mode = pool, model, mode
        self.prefill, self.response_chars = prefill, response_chars
        self.tool_choice, self.max_tokens = tool_choice, max_tokens
        self.base_url = base_url
        self.client = client or openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s,
                                                     max_retries=max_retries)
        self.name = f"endpoint-router({model})"

    def request(self, obs: Observation) -> dict[str, Any]:
        """The chat-completion request of this turn (keyword arguments of `client.chat.completions.create`)."""
        messages = episode_messages(obs, self.pool, self.response_chars)
        if self.mode == "choice":
            choices = tool_completions(self.pool, select=bool(obs.responses))
            return {"model": self.model, "temperature": 0.0, "max_tokens": self.max_tokens,
                    "messages": [*messages, {"role": "assistant", "content": self.prefill}],
                    "extra_body": {"continue_final_message": True, "add_generation_prompt": False,
                                   "structured_outputs": {"choice": choices}}}
        tools = routing_tools(self.pool)
        if not obs.responses:  # nothing to select yet
            tools = [t for t in tools if t["function"]["name"] != SELECT_RESPONSE]
        return {"model": self.model, "temperature": 0.0, "max_tokens": self.max_tokens, "messages": messages,
                "tools": tools, "tool_choice": self.tool_choice}

    def reply_text(self, obs: Observation) -> str:
        """The router's reply as the in-process router would have written it (`<tool_call>...` text)."""
        import openai  # noqa: PLC0415

        try:
            r = self.client.chat.completions.create(**self.request(obs))
        except openai.OpenAIError as err:
            raise EndpointError(f"router endpoint {self.base_url} ({self.model}): {err}") from err
        if not r.choices:
            raise EndpointError(f"router endpoint {self.base_url} ({self.model}) returned no choices")
        msg = r.choices[0].message
        if self.mode == "choice":
            return self.prefill + (msg.content or "")
        calls = "".join(
            f'<tool_call>{{"name": {json.dumps(c.function.name)}, "arguments": {_arguments(c.function.arguments)}}}'
            "</tool_call>" for c in (msg.tool_calls or []))
        return calls or (msg.content or "")

    def act(self, obs: Observation) -> Action:
        return parse_reply(self.reply_text(obs), obs, self.pool)[0]


def _arguments(raw: str | None) -> str:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        value = {}
    return json.dumps(value if isinstance(value, dict) else {})
