"""kNN router over MiniLM query embeddings: for a new query, the k most similar train queries estimate each
model's accuracy and cost; the router calls the model with the best expected reward at the episode's λ.

The estimates come from train-split outcomes only; on a new prompt the router uses nothing but its text.
"""

from __future__ import annotations

import numpy as np

from xrouter.embeddings import embed
from xrouter.env.reward import RewardParams, get_reward
from xrouter.env.types import Observation
from xrouter.routers.base import FixedChoiceRouter, RoutingError
from xrouter.routers.matrix import OutcomeMatrix


class KnnRouter(FixedChoiceRouter):
    def __init__(self, train: OutcomeMatrix, train_embeddings: np.ndarray, k: int = 25,
                 reward: RewardParams | None = None) -> None:
        if not 1 <= k <= len(train.prompt_ids):
            raise RoutingError(f"knn: k must be in [1, {len(train.prompt_ids)}], got {k}")
        self.train, self.emb, self.k = train, train_embeddings, k
        self.reward = reward or RewardParams()
        self._cache: dict[str, np.ndarray] = {}
        self.name = f"knn(k={k})"

    def warm(self, texts: list[str]) -> None:
        """Embed many queries at once (the per-query path embeds one at a time)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for t, v in zip(todo, embed(todo)):
                self._cache[t] = v

    def estimates(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if text not in self._cache:
            self.warm([text])
        sims = self.emb @ self._cache[text]
        idx = np.argpartition(-sims, self.k - 1)[: self.k]
        w = np.maximum(sims[idx], 1e-6)
        acc = np.clip((self.train.correct[idx] * w[:, None]).sum(0) / w.sum(), 0.0, 1.0)
        cost = (self.train.cost[idx] * w[:, None]).sum(0) / w.sum()
        return acc, cost

    def choose(self, obs: Observation) -> str:
        acc, cost = self.estimates(obs.query.text)
        fn = get_reward(self.reward.name)
        value = np.array([fn(float(a), float(c), obs.lam, self.reward) for a, c in zip(acc, cost)])
        return self.train.models[int(np.argmax(value - 1e-9 * cost))]  # ties: cheaper
