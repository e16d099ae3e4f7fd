"""Choosing the operating λ honestly: k-fold cross-validation over train + val instead of one val split.

`method: val` (the old way) reads the shipped router's curve on the val split (≈455 prompts: ±1.3 points of
binomial noise on accuracy, and the λ picked is the one that looked best on exactly those prompts). `method:
cv` splits train + val into `folds` folds, stratified by task and seeded; for each fold a router is trained
(same config, `steps` steps, no checkpoint selection: the held-out fold must not pick anything; its
correctness verifier, when on, fitted on those folds only) on the other folds and rolled out greedily at every `eval_lambdas` value on its held-out fold. The out-of-fold (OOF)
outcomes of all train + val prompts are pooled per λ, and the operating λ is the cheapest whose OOF accuracy
is within `operating_tolerance` of the best single model's accuracy on the same prompts
(`choose_operating_lambda`). Every prompt's OOF outcome comes from a router that never saw it, and each λ is
judged on all of train + val (≈1,820 ZeroEval prompts) instead of the 455 of val. The test split is never touched.

The shipped router is still the one trained on train with checkpoint selection on val; CV only picks its λ.
A fold router trained on (k−1)/k of train + val is a close stand-in for it (more data than the shipped one's
train split alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from xrouter.env.reward import RewardParams
from xrouter.rl.config import EmbeddedTrainConfig, SelectionParams
from xrouter.rl.embedded.evaluation import best_single, choose_operating_lambda
from xrouter.rl.embedded.folds import fold_of
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.simulator import rollout
from xrouter.rl.embedded.trainer import train
from xrouter.rl.embedded.verifier import with_verifier


def subset(data: ReplayTensors, idx: np.ndarray) -> ReplayTensors:
    """The rows `idx` of a replay tensor set (same models and prices)."""
    return data.rows(idx)


def concat(a: ReplayTensors, b: ReplayTensors) -> ReplayTensors:
    return a.cat(b)


@dataclass
class OutOfFold:
    """Per λ, every prompt's greedy outcome from the fold router that did not train on it."""

    lambdas: list[float]
    score: np.ndarray  # [L, N]
    cost: np.ndarray  # [L, N]
    fold: np.ndarray  # [N]

    def points(self) -> list[dict]:
        return [{"lambda": lam, "accuracy": float(self.score[k].mean()), "cost_per_query": float(self.cost[k].mean())}
                for k, lam in enumerate(self.lambdas)]


def out_of_fold(data: ReplayTensors, cfg: EmbeddedTrainConfig, reward: RewardParams, lambdas: list[float],
                sel: SelectionParams, only_folds: list[int] | None = None) -> OutOfFold:
    """Train one router per fold (on the others) and roll it out on its fold at every λ. `only_folds` runs a
    subset of the folds (for measurements); the other prompts' outcomes stay NaN."""
    fold = fold_of(data.tasks, sel.folds, sel.seed)
    fold_cfg = cfg.model_copy(update={"steps": sel.steps or cfg.steps})
    score = np.full((len(lambdas), len(fold)), math.nan)
    cost = np.full_like(score, math.nan)
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        for f in only_folds if only_folds is not None else range(sel.folds):
            held = np.flatnonzero(fold == f)
            fold_train, (part,), _ = with_verifier(subset(data, np.flatnonzero(fold != f)), [subset(data, held)],
                                                   cfg.verifier)
            policy = train(fold_train, fold_cfg, reward)
            for k, lam in enumerate(lambdas):
                r = rollout(policy, part, torch.arange(len(held)), torch.full((len(held),), float(lam)), reward,
                            greedy=True)
                score[k, held], cost[k, held] = r.score.numpy(), r.cost.numpy()
    finally:
        torch.set_num_threads(threads)
    return OutOfFold(list(lambdas), score, cost, fold)


def cv_operating_lambda(data: ReplayTensors, cfg: EmbeddedTrainConfig, reward: RewardParams, lambdas: list[float],
                        tolerance: float, sel: SelectionParams) -> dict:
    """The operating point chosen on pooled out-of-fold outcomes of train + val (`data`), with the OOF curve and
    the best single model on the same prompts."""
    oof = out_of_fold(data, cfg, reward, lambdas, sel)
    reference = best_single(data)
    points = oof.points()
    chosen = choose_operating_lambda(points, reference["accuracy"], tolerance)
    return {**chosen, "method": f"{sel.folds}-fold CV over train + val ({len(data.prompt_ids)} prompts), "
                                f"{sel.steps or cfg.steps} steps per fold",
            "oof_curve": points, "oof_best_single": reference}
