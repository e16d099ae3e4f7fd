"""The `env` block of params.yaml: the pool, the reward and the episode limits every stage shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from xrouter.env.reward import RewardParams
from xrouter.env.rules import EpisodeLimits


class EnvParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pool: str = "zeroeval"
    reward: RewardParams = RewardParams()
    limits: EpisodeLimits = EpisodeLimits()
