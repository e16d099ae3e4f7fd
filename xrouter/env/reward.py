"""Cost-aware episode rewards, pure functions registered by name (chosen by `env.reward.name` in params.yaml).

* ``xrouter_code`` — the released xRouter code's form (the default)::

      reward = score × (K − min(λ·C, cost_max))

  with ``C`` the episode's USD cost of external model calls, ``K = 1``, ``λ = 2``, ``cost_max = 0.6`` for
  the released model. A wrong answer (score 0) and an episode that never answers earn 0, whatever they
  cost; a right answer earns between ``K − cost_max`` and ``K``.

* ``paper_card`` — the paper's model card form::

      reward = quality − λ·normalized_cost,   normalized_cost = min(C / cost_scale, 1)

  ``cost_scale`` (USD) fixes the unit in which cost is compared with quality; we clip at 1 so one runaway
  episode cannot dominate a batch. Unlike the code form, a wrong answer is penalized by what it cost.

λ is not a reward setting: every reward function takes it as an explicit, required argument, and each run
resolves it once (a trained router's operating λ, a number asked for, or one draw per training group) and
checks it with `check_lambda`.

The router's own tokens are not in ``C`` by default: the router runs on our own hardware (vLLM or the
embedded policy), and the original counts only external calls. `RewardParams.router_usd_per_mtok` adds them
at a stated price when a deployment wants them counted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pydantic import BaseModel, ConfigDict, Field

from xrouter.registry import Registry

# fn(score, cost_usd, lam, params) -> reward; floats or numpy arrays (one value per episode), same shape out
RewardFn = Callable[..., float]
REWARDS: Registry[RewardFn] = Registry("reward")


class LambdaError(ValueError):
    """λ is negative, NaN, infinite, or outside the range a router was trained on; the message says the range."""


def check_lambda(lam: float, allowed: tuple[float, float] | None = None, what: str = "lambda") -> float:
    """`lam` as a float if it is a usable λ: finite, >= 0 and, when `allowed` is given (a router card's trained
    range), inside it. Otherwise a `LambdaError` naming `what` and the range."""
    try:
        value = float(lam)
    except (TypeError, ValueError) as err:
        raise LambdaError(f"{what} must be a number, got {lam!r}") from err
    if not math.isfinite(value) or value < 0:
        raise LambdaError(f"{what} must be a finite number >= 0, got {lam!r}")
    if allowed is not None:
        lo, hi = allowed
        if not lo <= value <= hi:
            raise LambdaError(f"{what}={value:g} is outside the router's trained range [{lo:g}, {hi:g}]")
    return value


class RewardParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("xrouter_code", description="Registered reward: xrouter_code | paper_card.")
    K: float = Field(1.0, gt=0, description="Reward of a free, correct answer (xrouter_code).")
    cost_max: float = Field(0.6, ge=0, description="Cap on the cost penalty λ·C (xrouter_code).")
    cost_scale: float = Field(0.01, gt=0, description="USD that counts as normalized cost 1 (paper_card).")
    router_usd_per_mtok: float = Field(0.0, ge=0, description="Price of the router's own tokens (0: not counted).")


register_reward = REWARDS.register
get_reward = REWARDS.get


def _check(score, cost_usd) -> None:
    s, c = np.asarray(score, dtype=float), np.asarray(cost_usd, dtype=float)
    if np.any(~((s >= 0.0) & (s <= 1.0))):
        raise ValueError(f"score must be in [0, 1], got {score}")
    if np.any(~(c >= 0.0)):
        raise ValueError(f"cost_usd must be >= 0, got {cost_usd}")


# Each reward takes floats or numpy arrays (scores, costs and λ of many episodes at once) and returns the
# same shape.
@register_reward("xrouter_code")
def xrouter_code_reward(score, cost_usd, lam, p: RewardParams):
    """score × (K − min(λ·C, cost_max)); λ = 2, K = 1, cost_max = 0.6 in the released xRouter."""
    _check(score, cost_usd)
    out = score * (p.K - np.minimum(lam * np.asarray(cost_usd, dtype=float), p.cost_max))
    return float(out) if np.ndim(out) == 0 else out


@register_reward("paper_card")
def paper_card_reward(score, cost_usd, lam, p: RewardParams):
    """quality − λ·min(C / cost_scale, 1)."""
    _check(score, cost_usd)
    out = score - lam * np.minimum(np.asarray(cost_usd, dtype=float) / p.cost_scale, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def vector_reward(score: np.ndarray, cost_usd: np.ndarray, lam: np.ndarray, p: RewardParams) -> np.ndarray:
    """Rewards of many episodes, each with its own λ (training samples λ per group)."""
    return np.asarray(get_reward(p.name)(score, cost_usd, lam, p), dtype=float)


@dataclass(frozen=True)
class EpisodeCost:
    """What an episode is charged for: external calls plus, if priced, the router's own tokens."""

    external_usd: float
    router_tokens: int = 0

    def total(self, p: RewardParams) -> float:
        return self.external_usd + self.router_tokens * p.router_usd_per_mtok / 1e6


def episode_reward(score: float | None, cost: EpisodeCost, lam: float, p: RewardParams) -> float:
    """Reward of a finished episode at λ `lam`; `score=None` (never answered) is scored as 0."""
    return get_reward(p.name)(0.0 if score is None else score, cost.total(p), lam, p)
