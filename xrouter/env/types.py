"""What flows through a routing episode: queries, actions, observations and results.

No peeking, by construction: an `Observation` — everything a router receives — holds the query, the text
and metering of the responses it asked for, the prices (through the pool) and λ. Recorded correctness lives
only in the environment's private state and in the `EpisodeResult` after the episode has ended.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Union

if TYPE_CHECKING:
    from xrouter.backends.base import Completion


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
class CallRecord:
    """One model call of an episode: what the router sees of it, what the ledger bills, what evaluation records
    and serving's call history report. The one record of a model call (a backend returns a `Completion`; the
    episode turns it into this). It carries no recorded grade: routers receive these."""

    turn: int
    call_name: str  # unique within the episode: the tool name, suffixed #2, #3 on repeated calls
    model: str  # the pool model that answered
    text: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_s: float
    error: str | None = None
    requested_model: str = ""  # what the router asked for ("" = `model`; differs after a fallback)
    arguments: dict[str, Any] = field(default_factory=dict)  # the tool call's arguments (system prompt, temperature)
    backend: str = ""
    tokens_estimated: bool = False
    cached: bool = False
    attempts: int = 1

    @classmethod
    def from_completion(cls, turn: int, call_name: str, c: "Completion", *, requested_model: str = "",
                        arguments: dict[str, Any] | None = None, attempts: int = 1) -> "CallRecord":
        return cls(turn, call_name, c.model, c.text, c.input_tokens, c.output_tokens, c.cost_usd, c.latency_s,
                   None, requested_model or c.model, dict(arguments or {}), c.backend, c.tokens_estimated, c.cached,
                   attempts)

    @classmethod
    def failed(cls, turn: int, call_name: str, model: str, error: str, *, arguments: dict[str, Any] | None = None,
               backend: str = "", latency_s: float = 0.0, attempts: int = 1) -> "CallRecord":
        return cls(turn, call_name, model, "", 0, 0, 0.0, latency_s, error, model, dict(arguments or {}), backend,
                   attempts=attempts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Observation:
    query: Query
    turn: int  # the turn the router is about to take, from 1
    responses: tuple[CallRecord, ...]
    spent_usd: float
    lam: float  # the cost/accuracy trade-off asked for this episode
    turns_left: int
    calls_left: int


class Router(Protocol):
    """Anything that routes: `act` sees only the observation (the query, the responses it asked for, the
    prices through the pool it was built with, and λ). Baselines and trained routers alike."""

    name: str

    def act(self, obs: Observation) -> Action: ...


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
    calls: tuple[CallRecord, ...] = ()  # every model call, in order (the episode's ledger)

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
