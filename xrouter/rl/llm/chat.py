"""What the LLM router reads and writes: the conversation of one episode, and its replies parsed into actions.

Tool calls use the Hermes/Qwen convention the original xRouter trains with —
`<tool_call>{"name": "call_gpt_4o_mini", "arguments": {...}}</tool_call>`, one or more per reply. The
tools (one per pool model, with tier and prices, and `select_response`) are described in the system prompt
as text, so any chat template works, SmolLM2's included. λ is stated in the system prompt: the router is
told how much a dollar weighs in this episode's reward.

Earlier turns are shown back as the assistant's own calls followed by a user message holding each tool's
result (model, cost, and the tail of its response, where answers usually sit). Replies are parsed leniently:
every `<tool_call>` whose name is a pool tool becomes a call, `select_response` (with or without its
argument: without, the latest response) ends the episode, and a reply with no usable call is the router's
own answer.
"""

from __future__ import annotations

import json
import re

from xrouter.env.rules import tool_result_line
from xrouter.env.tools import SELECT_RESPONSE
from xrouter.env.types import Action, Answer, CallModels, ModelCall, Observation, SelectResponse
from xrouter.pool import ModelPool

_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*(?:</tool_call>|$)", re.S)
_NAME = re.compile(r'<tool_call>\s*\{\s*"name"\s*:\s*"([^"]+)"')


def system_prompt(pool: ModelPool, lam: float) -> str:
    tools = "\n".join(f"{m.tool}: ${m.input_usd_per_mtok:g}/${m.output_usd_per_mtok:g} per M tokens in/out" for m in pool)
    return (
        f"You are a router: call models as tools, then select the best response.\nTools:\n{tools}\n"
        f"{SELECT_RESPONSE}: return an earlier call's response.\n"
        f'Reply <tool_call>{{"name": "<tool>"}}</tool_call>. Each dollar spent costs {lam:g} reward points.'
    )


def tool_completions(pool: ModelPool, select: bool = True) -> list[str]:
    """What may follow the prefill `<tool_call>{"name": "` under constrained decoding: one whole call
    (`select_response` only once there is a response to select)."""
    return [f'{name}"}}</tool_call>' for name in [m.tool for m in pool] + ([SELECT_RESPONSE] if select else [])]


def grammars(pool: ModelPool) -> dict[str, list[str]]:
    """The constrained-decoding grammars of an episode: `first` (no response yet: call a model) and `later`."""
    return {"first": tool_completions(pool, select=False), "later": tool_completions(pool)}


def grammar_for(obs: Observation) -> str:
    return "later" if obs.responses else "first"


def _tail(text: str, chars: int) -> str:
    return text if len(text) <= chars else "..." + text[-chars:]


def episode_messages(obs: Observation, pool: ModelPool, response_chars: int = 300) -> list[dict[str, str]]:
    """The router's conversation so far: system (tools, λ), the query, then per earlier turn its calls and results."""
    messages = [{"role": "system", "content": system_prompt(pool, obs.lam)},
                {"role": "user", "content": obs.query.text}]
    for turn in sorted({r.turn for r in obs.responses}):
        rs = [r for r in obs.responses if r.turn == turn]
        calls = "".join(f'<tool_call>{{"name": "{r.call_name.split("#")[0]}"}}</tool_call>' for r in rs)
        results = "\n".join(tool_result_line(r.call_name, r.model, r.cost_usd, _tail(r.text, response_chars), r.error)
                            for r in rs)
        messages += [{"role": "assistant", "content": calls}, {"role": "user", "content": f"Tool results:\n{results}"}]
    return messages


def parse_reply(text: str, obs: Observation, pool: ModelPool) -> tuple[Action, bool]:
    """(action, well_formed): well_formed is False when the reply held no usable tool call."""
    tools = {m.tool for m in pool}
    names: list[tuple[str, dict]] = []
    for raw in _CALL.findall(text):
        try:
            obj = json.loads(raw)
            names.append((str(obj.get("name", "")), obj.get("arguments") or {}))
        except (ValueError, AttributeError):
            continue
    if not names:  # an unterminated or malformed JSON object: take the name alone
        names = [(n, {}) for n in _NAME.findall(text)]
    if any(n == SELECT_RESPONSE for n, _ in names) and obs.responses:
        args = next(a for n, a in names if n == SELECT_RESPONSE)
        wanted = args.get("model_call_name") if isinstance(args, dict) else None
        known = [r.call_name for r in obs.responses]
        return SelectResponse(wanted if wanted in known else known[-1]), True
    calls = []
    for name, args in names:
        if name in tools:
            prompt = args.get("optimized_system_prompt", "") if isinstance(args, dict) else ""
            calls.append(ModelCall(name, prompt if isinstance(prompt, str) else ""))
    if calls:
        return CallModels(tuple(calls[: max(obs.calls_left, 1)])), True
    return Answer(_CALL.sub("", text).strip()), False
