"""Choosing the operating λ honestly: k-fold cross-validation over train + val instead of one val split.

`method: val` (the old way) reads the shipped router's curve on the val split (≈455 prompts: ±1.3 points of
binomial noise on accuracy, and the λ picked is the one that looked best on exactly those prompts). `method:
cv` splits train + val into `folds` folds, stratified by task and seeded; for each fold a router is trained
(same config, `steps` steps, no checkpoint selection: the held-out fold must not pick anything) on the other
folds and rolled out greedily at every `eval_lambdas` value on its held-out fold. The out-of-fold (OOF)
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
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.simulator import rollout
from xrouter.rl.embedded.trainer import train


def fold_of(tasks: list[str], folds: int, seed: int) -> np.ndarray:
    """[N] fold index per prompt: within each task the prompts are shuffled (seeded) and dealt round-robin, so
    every fold holds each task in proportion."""
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    if len(tasks) < folds:
        raise ValueError(f"{len(tasks)} prompts cannot be split into {folds} folds")
    rng = np.random.default_rng(seed)
    out = np.empty(len(tasks), dtype=np.int64)
    offset = 0
    for task in sorted(set(tasks)):
        idx = np.flatnonzero(np.asarray(tasks) == task)
        out[rng.permutation(idx)] = (np.arange(len(idx)) + offset) % folds
        offset += len(idx)  # the next task continues the deal, so fold sizes stay within one prompt
    return out


def subset(data: ReplayTensors, idx: np.ndarray) -> ReplayTensors:
    """The rows `idx` of a replay tensor set (same models and prices)."""
    t = torch.as_tensor(idx, dtype=torch.long)
    return ReplayTensors([data.prompt_ids[i] for i in idx], [data.tasks[i] for i in idx], data.models, data.emb[t],
                         data.score[t], data.cost[t], data.answer[t], data.out_tokens[t], data.price)


def concat(a: ReplayTensors, b: ReplayTensors) -> ReplayTensors:
    if a.models != b.models:
        raise ValueError("cannot join replay tensors of different pools")
    return ReplayTensors(a.prompt_ids + b.prompt_ids, a.tasks + b.tasks, a.models, torch.cat([a.emb, b.emb]),
                         torch.cat([a.score, b.score]), torch.cat([a.cost, b.cost]), torch.cat([a.answer, b.answer]),
                         torch.cat([a.out_tokens, b.out_tokens]), a.price)


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
            policy = train(subset(data, np.flatnonzero(fold != f)), fold_cfg, reward)
            part = subset(data, held)
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
