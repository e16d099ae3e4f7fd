"""Choosing the operating λ by k-fold cross-validation over train + val, on a tiny literal replay world."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from xrouter.env.reward import RewardParams
from xrouter.rl.config import SelectionParams, TrainParams
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.selection import (
    concat,
    cv_operating_lambda,
    fold_of,
    out_of_fold,
    subset,
)
from xrouter.rl.embedded.trainer import EmbeddedTrainConfig

N = 30
TASKS = ["easy"] * 18 + ["hard"] * 12
CFG = EmbeddedTrainConfig(steps=2, groups_per_step=4, hidden=8, embed_proj=4)


def world() -> ReplayTensors:
    """Three models: a cheap one right on the easy task only, a middling one, a dear one always right."""
    g = torch.Generator().manual_seed(0)
    easy = torch.tensor([t == "easy" for t in TASKS], dtype=torch.float32)
    score = torch.stack([easy, torch.ones(N) * (torch.arange(N) % 2 == 0), torch.ones(N)], 1)
    cost = torch.tensor([0.0001, 0.001, 0.01]).repeat(N, 1)
    answer = torch.where(score > 0, torch.zeros(N, 3, dtype=torch.long), torch.arange(1, 4).repeat(N, 1))
    emb = torch.nn.functional.normalize(torch.randn(N, 8, generator=g), dim=1)
    return ReplayTensors([f"p{i}" for i in range(N)], TASKS, ["cheap", "mid", "dear"], emb, score, cost, answer,
                         torch.full((N, 3), 50.0), torch.tensor([0.1, 1.0, 10.0]))


def test_folds_are_stratified_by_task_balanced_and_seeded() -> None:
    fold = fold_of(TASKS, 4, seed=1)
    assert sorted(set(fold.tolist())) == [0, 1, 2, 3]
    sizes = np.bincount(fold)
    assert sizes.max() - sizes.min() <= 1
    for f in range(4):  # 18 easy and 12 hard prompts dealt over 4 folds: 4-5 easy and 3 hard in each
        easy = sum(t == "easy" for t, k in zip(TASKS, fold) if k == f)
        assert 4 <= easy <= 5 and sizes[f] - easy == 3
    assert np.array_equal(fold, fold_of(TASKS, 4, seed=1)) and not np.array_equal(fold, fold_of(TASKS, 4, seed=2))
    with pytest.raises(ValueError, match="folds"):
        fold_of(TASKS, 1, 0)
    with pytest.raises(ValueError, match="cannot be split"):
        fold_of(["a", "b"], 3, 0)


def test_subset_and_concat_keep_rows_together() -> None:
    data = world()
    part = subset(data, np.array([3, 20]))
    assert part.prompt_ids == ["p3", "p20"] and part.tasks == ["easy", "hard"]
    assert torch.equal(part.score, data.score[[3, 20]]) and torch.equal(part.emb, data.emb[[3, 20]])
    whole = concat(subset(data, np.arange(10)), subset(data, np.arange(10, N)))
    assert whole.prompt_ids == data.prompt_ids and torch.equal(whole.cost, data.cost)


def test_every_prompt_gets_an_outcome_from_its_own_folds_router() -> None:
    data, reward = world(), RewardParams()
    sel = SelectionParams(method="cv", folds=3, steps=2)
    oof = out_of_fold(data, CFG, reward, [1.0, 100.0], sel)
    assert oof.score.shape == (2, N) and not np.isnan(oof.score).any() and not np.isnan(oof.cost).any()
    # each outcome is the recorded grade and spend of some models on that prompt: costs are sums of the prices
    assert set(np.round(oof.cost.ravel() / 0.0001).astype(int)) <= {1, 10, 11, 100, 101, 110, 111}
    one = out_of_fold(data, CFG, reward, [1.0], sel, only_folds=[0])
    assert np.array_equal(~np.isnan(one.score[0]), oof.fold == 0)


def test_cv_operating_lambda_is_one_of_the_lambdas_judged_against_the_best_single_on_the_same_prompts() -> None:
    out = cv_operating_lambda(world(), CFG, RewardParams(), [1.0, 10.0, 100.0], 0.005,
                              SelectionParams(method="cv", folds=3, steps=2))
    assert out["lambda"] in {1.0, 10.0, 100.0} and len(out["oof_curve"]) == 3
    assert out["oof_best_single"]["model"] == "dear" and out["oof_best_single"]["accuracy"] == 1.0
    assert "3-fold CV" in out["method"] and "2 steps per fold" in out["method"]


def test_selection_params_are_checked_by_name() -> None:
    assert TrainParams().selection.method == "cv"  # params.yaml's default
    assert TrainParams.model_validate({"selection": {"method": "cv", "folds": 3, "steps": 100}}).selection.folds == 3
    with pytest.raises(ValidationError, match="selection.method"):
        TrainParams.model_validate({"selection": {"method": "bootstrap"}})
    with pytest.raises(ValidationError, match="selection.folds"):
        TrainParams.model_validate({"selection": {"folds": 1}})
