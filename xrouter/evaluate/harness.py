"""Run a policy over evaluation items: bounded concurrency, retries, one `ItemRecord` per item, a progress bar.

A policy is any router (`xrouter.routers.base.Router`): a fixed model (`single:<model>`), a baseline, or the
trained router. Each item is one routing episode in `RoutingEnv` (the same loop training and serving use), so
the record carries what the episode did: the answer, the models called, tokens, cost, the grade.

Latency: per item, the router's own time (`act` calls) plus, per turn, the slowest call of that turn (a
turn's calls run concurrently on live backends). Calls served from the response cache count the latency the
original call took. Replay calls have no recorded latency, so on replay this is the router's overhead alone.

Retries: an episode that raises (a backend failing outside its own retry policy, a crashed grader) is run
again up to `retries` times with exponential backoff; one that still fails is recorded with its error and
scores 0 — the run goes on. An `EpisodeError` (the router asked for something impossible) is a bug in the
router and is not retried.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from xrouter.env.episode import EpisodeError, RoutingEnv
from xrouter.env.types import Action, CallRecord, EpisodeResult, Observation
from xrouter.evaluate.items import EvalItem
from xrouter.routers.base import Router


@dataclass
class ItemRecord:
    policy: str
    item_id: str
    benchmark: str
    family: str
    answer: str | None
    final_model: str | None
    models_called: list[str]
    routing_strategy: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    calls: int
    cache_hits: int
    latency_s: float
    score: float
    reward: float
    lam: float
    attempts: int = 1
    error: str | None = None
    call_history: list[dict] = field(default_factory=list)  # the episode's CallRecords, as dicts

    @property
    def correct(self) -> int:
        return int(self.score >= 1.0)

    def as_dict(self) -> dict:
        return {**asdict(self), "correct": self.correct}


class _TimedRouter:
    """Times one episode's `act` calls; a thin per-episode wrapper, so concurrent episodes never share it."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.name = router.name
        self.seconds = 0.0

    def act(self, obs: Observation) -> Action:
        start = time.perf_counter()
        try:
            return self.router.act(obs)
        finally:
            self.seconds += time.perf_counter() - start


def _model_latency(calls: tuple[CallRecord, ...]) -> float:
    """Calls of one turn run concurrently: a turn takes as long as its slowest call."""
    slowest: dict[int, float] = defaultdict(float)
    for c in calls:
        slowest[c.turn] = max(slowest[c.turn], c.latency_s)
    return sum(slowest.values())


def _record(policy: str, item: EvalItem, res: EpisodeResult, router_s: float, attempts: int) -> ItemRecord:
    return ItemRecord(
        policy=policy, item_id=item.id, benchmark=item.benchmark, family=item.family, answer=res.final_text,
        final_model=res.final_model, models_called=res.models_called, routing_strategy=res.routing_strategy,
        input_tokens=sum(c.input_tokens for c in res.calls), output_tokens=sum(c.output_tokens for c in res.calls),
        cost_usd=res.cost_usd, calls=len(res.calls), cache_hits=sum(c.cached for c in res.calls),
        latency_s=router_s + _model_latency(res.calls), score=res.score, reward=res.reward, lam=res.lam,
        attempts=attempts, call_history=[c.as_dict() for c in res.calls],
    )


@dataclass(frozen=True)
class RunOptions:
    lam: float  # the run's λ, resolved once (routers.card.resolve_lambda)
    concurrency: int = 4
    retries: int = 2
    backoff_s: float = 1.0
    progress: bool = True


def run_item(env: RoutingEnv, router: Router, item: EvalItem, policy: str, opts: RunOptions,
             sleep: Callable[[float], None] = time.sleep) -> ItemRecord:
    error = ""
    for attempt in range(1, opts.retries + 2):
        timed = _TimedRouter(router)
        try:
            return _record(policy, item, env.run(timed, item.query, opts.lam), timed.seconds, attempt)
        except EpisodeError:
            raise
        except Exception as err:  # noqa: BLE001 - any failure of one item is recorded, the run goes on
            error = f"{type(err).__name__}: {err}"
            if attempt <= opts.retries:
                sleep(opts.backoff_s * 2 ** (attempt - 1))
    return ItemRecord(policy, item.id, item.benchmark, item.family, None, None, [], "error", 0, 0, 0.0, 0, 0, 0.0,
                      0.0, 0.0, opts.lam, attempts=opts.retries + 1, error=error)


def run_policy(env: RoutingEnv, router: Router, items: list[EvalItem], policy: str | None,
               opts: RunOptions) -> list[ItemRecord]:
    """One record per item, in the items' order."""
    if opts.concurrency < 1 or opts.retries < 0:
        raise ValueError(f"concurrency must be >= 1 and retries >= 0, got {opts.concurrency} and {opts.retries}")
    policy = policy or router.name
    warm = getattr(router, "warm", None)
    if warm is not None:
        warm([i.query.text for i in items])
    records: list[ItemRecord | None] = [None] * len(items)
    columns = (TextColumn(f"{policy:<28.28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True, disable=not opts.progress) as bar:
        task = bar.add_task(policy, total=len(items))
        if opts.concurrency == 1:
            for k, item in enumerate(items):
                records[k] = run_item(env, router, item, policy, opts)
                bar.advance(task)
        else:
            with ThreadPoolExecutor(max_workers=opts.concurrency) as pool:
                futures = {pool.submit(run_item, env, router, item, policy, opts): k for k, item in enumerate(items)}
                for fut in as_completed(futures):
                    records[futures[fut]] = fut.result()
                    bar.advance(task)
    return [r for r in records if r is not None]
