"""The rules of a routing episode, as pure functions over plain values.

`RoutingEnv` (`episode.py`) applies them to its ledger; the verl adapter (`infra/verl/xrouter_verl`) applies
them to the JSON episode record that travels with a verl rollout. One definition keeps the two worlds scoring
the same episode the same way: how repeated calls are named, when a limit ends the episode, which answer a
limit falls back to, and how a tool result reads to the router.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class EpisodeLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_turns: int = Field(3, ge=1, description="Router actions per episode (3 in the original xRouter).")
    max_calls: int = Field(6, ge=1, description="External model calls per episode.")
    max_cost_usd: float = Field(1.0, gt=0, description="Stop calling once the episode has spent this much.")


def unique_call_name(taken: Collection[str], tool: str) -> str:
    """The name of a new call of `tool`: the tool name, then `tool#2`, `tool#3`, ... on repeats."""
    if tool not in taken:
        return tool
    k = 2
    while f"{tool}#{k}" in taken:
        k += 1
    return f"{tool}#{k}"


def calls_allowed(n_calls: int, requested: int, limits: EpisodeLimits) -> int:
    """How many of `requested` calls may still run after `n_calls` (the rest are cut by `max_calls`)."""
    return max(0, min(requested, limits.max_calls - n_calls))


def limit_after_calls(spent_usd: float, n_calls: int, limits: EpisodeLimits) -> str | None:
    """The limit that ends the episode once a turn's calls are done (`max_cost` before `max_calls`), or
    None."""
    if spent_usd >= limits.max_cost_usd:
        return "max_cost"
    if n_calls >= limits.max_calls:
        return "max_calls"
    return None


def fallback_answer(answered: Sequence[tuple[T, float]]) -> T | None:
    """The answer a limit ends the episode with, among (answer, model price) in call order: the priciest
    model's (the router cannot know which answer is right, so neither may the fallback); the later call on
    a tie; None when nothing answered."""
    if not answered:
        return None
    return max(enumerate(answered), key=lambda ia: (ia[1][1], ia[0]))[1][0]


def tool_result_line(call_name: str, model: str, cost_usd: float, text: str, error: str | None = None) -> str:
    """One tool result as the router reads it: `[call name] model, $cost: text` (or `ERROR ...`)."""
    return f"[{call_name}] {model}, ${cost_usd:.5f}: " + (f"ERROR {error}" if error else text)


def target_messages(router_system_prompt: str, query_text: str,
                    chat: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """What a target model receives for one call. Without a chat (training, evaluation): the router's system
    prompt and the query. With the user's chat (serving): one system message — the router's prompt, then the
    user's own system prompt(s) — followed by the chat's user and assistant turns verbatim, so a multi-turn
    conversation reaches the model whole."""
    if not chat:
        return [{"role": "system", "content": router_system_prompt}, {"role": "user", "content": query_text}]
    system = [router_system_prompt] + [m["content"] for m in chat if m["role"] == "system"]
    joined = "\n\n".join(p for p in system if p)
    head = [{"role": "system", "content": joined}] if joined else []
    return head + [dict(m) for m in chat if m["role"] != "system"]
