"""Episodes of the LLM router, many at once: every active episode's next reply is sampled in one batched
`generate`, then each is applied to its own `RoutingEnv` episode (`reset` / `observe` / `step`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xrouter.env.episode import RoutingEnv
from xrouter.env.types import EpisodeResult, Query
from xrouter.pool import ModelPool
from xrouter.rl.llm.chat import episode_messages, grammar_for, parse_reply
from xrouter.rl.llm.policy import LLMPolicy, Turn


@dataclass
class Episode:
    result: EpisodeResult
    turns: list[Turn] = field(default_factory=list)
    well_formed: list[bool] = field(default_factory=list)


def run_episodes(env: RoutingEnv, policy: LLMPolicy, pool: ModelPool, queries: list[Query], lams: list[float],
                 response_chars: int = 300, greedy: bool = False) -> list[Episode]:
    states = [env.reset(q, lam) for q, lam in zip(queries, lams)]
    turns: list[list[Turn]] = [[] for _ in states]
    formed: list[list[bool]] = [[] for _ in states]
    results: list[EpisodeResult | None] = [None] * len(states)
    active = list(range(len(states)))
    while active:
        observations = [env.observe(states[i]) for i in active]
        replies = policy.generate([episode_messages(o, pool, response_chars) for o in observations], greedy=greedy,
                                  grammar=[grammar_for(o) for o in observations] if policy.tries else None)
        still = []
        for i, obs, turn in zip(active, observations, replies):
            action, ok = parse_reply(turn.text, obs, pool)
            turns[i].append(turn)
            formed[i].append(ok)
            results[i] = env.step(states[i], action)
            if results[i] is None:
                still.append(i)
        active = still
    return [Episode(r, t, f) for r, t, f in zip(results, turns, formed)]  # type: ignore[arg-type]
