"""What flows through a routing episode: queries, actions, observations and results.

No peeking, by construction: an `Observation` — everything a router receives — holds the query, the text
and metering of the responses it asked for, the prices (through the pool) and λ. Recorded correctness lives
only in the environment's private state and in the `EpisodeResult` after the episode has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Query:
    prompt_id: str
    text: str  # the user's query, as the router and every target model receive it
    task: str = ""
    source: str = ""
    # Serving only (both optional; training and evaluation leave them empty): the user's whole chat, system
    # messages included, as target models receive it (`rules.target_messages`), and the per-call output cap.
    messages: tuple[dict[str, str], ...] = ()
    max_tokens: int | None = None


@dataclass(frozen=True)
class ModelCall:
    model: str  # a pool model id or its tool name (call_<id>)
    system_prompt: str = ""
    temperature: float = 0.0


@dataclass(frozen=True)
class CallModels:
    """Call one or more models in this turn (they run concurrently on live backends)."""

    calls: tuple[ModelCall, ...]


@dataclass(frozen=True)
class SelectResponse:
    """End the episode with an earlier call's text, verbatim."""

    call_name: str


@dataclass(frozen=True)
class Answer:
    """End the episode with the router's own text."""

    text: str


Action = Union[CallModels, SelectResponse, Answer]


@dataclass(frozen=True)
class ToolResponse:
    turn: int
    call_name: str  # unique within the episode: the tool name, suffixed #2, #3 on repeated calls
    model: str
    text: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_s: float
    error: str | None = None


@dataclass(frozen=True)
class Observation:
    query: Query
    turn: int  # the turn the router is about to take, from 1
    responses: tuple[ToolResponse, ...]
    spent_usd: float
    lam: float  # the cost/accuracy trade-off asked for this episode
    turns_left: int
    calls_left: int


@dataclass
class EpisodeResult:
    prompt_id: str
    final_text: str | None
    final_model: str | None  # the model whose answer was returned, "router", or None (no answer)
    routing_strategy: str
    models_called: list[str]
    cost_usd: float
    turns: int
    score: float  # 0..1, from the judge; 0 when there is no answer
    reward: float
    lam: float
    ledger: list[dict[str, Any]] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return int(self.score >= 1.0)

    def as_record(self) -> dict[str, Any]:
        return {
            "prompt_id": self.prompt_id,
            "models_called": self.models_called,
            "final_model": self.final_model,
            "routing_strategy": self.routing_strategy,
            "cost_usd": self.cost_usd,
            "turns": self.turns,
            "score": self.score,
            "correct": self.correct,
            "reward": self.reward,
            "lam": self.lam,
        }
