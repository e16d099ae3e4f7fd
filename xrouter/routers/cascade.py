"""Agreement cascade: ask two cheap models; if their final answers agree, return the cheaper one's answer,
otherwise (disagreement, or an answer that cannot be read — the low-confidence signal) escalate to a stronger
model and return its answer. Fitting picks (cheap pair, escalation model) configurations on the train split;
λ picks one of them (the best expected reward on train), so the cascade has a curve like every router.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from xrouter.env.reward import RewardParams, get_reward
from xrouter.env.types import Action, Observation, SelectResponse
from xrouter.routers.answers import agree, extract_answer
from xrouter.routers.base import RoutingError, call
from xrouter.routers.matrix import OutcomeMatrix


@dataclass(frozen=True)
class CascadeConfig:
    cheap: tuple[str, str]
    escalate_to: str
    train_accuracy: float
    train_cost: float  # mean USD per query on train


class CascadeRouter:
    def __init__(self, cheap: tuple[str, str], escalate_to: str) -> None:
        if escalate_to in cheap:
            raise RoutingError("cascade: the escalation model must differ from the cheap pair")
        self.cheap, self.escalate_to = cheap, escalate_to
        self.name = f"cascade:{cheap[0]}+{cheap[1]}->{escalate_to}"

    def act(self, obs: Observation) -> Action:
        if not obs.responses:
            return call(*self.cheap)
        if len(obs.responses) == 2:
            first, second = obs.responses
            if agree(extract_answer(first.text), extract_answer(second.text)):
                return SelectResponse(first.call_name)
            return call(self.escalate_to)
        return SelectResponse(obs.responses[-1].call_name)


def fit_cascades(train: OutcomeMatrix, answers: list[list[str | None]], n_cheap: int = 8) -> list[CascadeConfig]:
    """Every (pair of the `n_cheap` cheapest models, pricier escalation model) scored on train; returns the
    configurations on the train accuracy–cost Pareto frontier, cheapest first. `answers[i][j]` is the
    extracted answer of model j on train prompt i (from response text)."""
    acc, cost = train.correct, train.cost
    order = np.argsort(train.mean_cost())
    cheap_idx = order[:n_cheap]
    n, m = acc.shape
    agree_mat = {}
    configs = []
    for a, b in combinations(sorted(cheap_idx, key=lambda j: train.mean_cost()[j]), 2):
        agree_mat[a, b] = np.array([agree(answers[i][a], answers[i][b]) for i in range(n)])
        mask = agree_mat[a, b]
        for k in range(m):
            if k in (a, b):
                continue
            correct = np.where(mask, acc[:, a], acc[:, k])
            spent = cost[:, a] + cost[:, b] + np.where(mask, 0.0, cost[:, k])
            configs.append(CascadeConfig((train.models[a], train.models[b]), train.models[k],
                                         float(correct.mean()), float(spent.mean())))
    configs.sort(key=lambda c: (c.train_cost, -c.train_accuracy))
    frontier, best = [], -1.0
    for c in configs:
        if c.train_accuracy > best:
            frontier.append(c)
            best = c.train_accuracy
    if not frontier:
        raise RoutingError("cascade: need at least three models to fit")
    return frontier


def pick_for_lambda(configs: list[CascadeConfig], lam: float, reward: RewardParams) -> CascadeConfig:
    """The configuration with the best expected train reward at this λ (reward is linear in accuracy)."""
    fn = get_reward(reward.name)
    return max(configs, key=lambda c: fn(c.train_accuracy, c.train_cost, lam, reward))
