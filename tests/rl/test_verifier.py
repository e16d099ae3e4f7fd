"""The correctness verifier on a tiny literal world: it learns which prompts a model gets wrong, its
cross-fitted estimates never use a prompt's own grade, the config's rules hold, and ACCEPT's `likely` rule
picks the answer with the most support."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from xrouter.rl.config import VerifierConfig
from xrouter.rl.embedded.folds import fold_of
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.state import BatchState, accepted_model, feature_dim, features, support
from xrouter.rl.embedded.verifier import Verifier, cross_fitted, fit_verifier, with_verifier

N, D = 80, 6
TASKS = ["arith"] * 40 + ["proof"] * 40


def world() -> ReplayTensors:
    """Two tasks told apart by the first embedding coordinate. `cheap` is right on arithmetic only, `dear` on
    everything; a cheap answer without a readable final answer is always wrong."""
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(N, D, generator=g)
    emb[:, 0] = torch.tensor([2.0 if t == "arith" else -2.0 for t in TASKS])
    emb = torch.nn.functional.normalize(emb, dim=1)
    arith = torch.tensor([t == "arith" for t in TASKS], dtype=torch.float32)
    score = torch.stack([arith, torch.ones(N)], 1)
    answer = torch.stack([torch.where(arith > 0, 0, -1), torch.zeros(N, dtype=torch.long)], 1)
    return ReplayTensors([f"p{i}" for i in range(N)], TASKS, ["cheap", "dear"], emb, score,
                         torch.tensor([0.0001, 0.01]).repeat(N, 1), answer, torch.full((N, 2), 100.0),
                         torch.tensor([0.1, 10.0]))


def test_the_verifier_learns_which_prompts_a_model_gets_wrong() -> None:
    data = world()
    v = fit_verifier(data, l2=0.003)
    prior = v.prior(data.emb)
    assert prior.shape == (N, 2) and bool(((prior > 0) & (prior < 1)).all())
    arith = torch.tensor([t == "arith" for t in TASKS])
    assert float(prior[arith, 0].min()) > 0.8 and float(prior[~arith, 0].max()) < 0.2
    assert float(prior[:, 1].min()) > 0.9  # the dear model is always right
    est = v.estimates(data)
    assert est.prior is not None and est.post is not None and torch.equal(est.score, data.score)


def test_cross_fitted_estimates_never_use_the_prompts_own_grade() -> None:
    data = world()
    oof = cross_fitted(data, folds=4, seed=0, l2=0.003)
    fold = fold_of(data.tasks, 4, 0)
    held = np.flatnonzero(fold == 2)
    flipped = replace(data, score=data.score.clone())
    flipped.score[torch.as_tensor(held)] = 1.0 - flipped.score[torch.as_tensor(held)]
    other = cross_fitted(flipped, folds=4, seed=0, l2=0.003)
    assert torch.equal(oof.prior[held], other.prior[held]) and torch.equal(oof.post[held], other.post[held])
    rest = np.flatnonzero(fold != 2)  # the other folds' verifiers did train on the flipped grades
    assert not torch.allclose(oof.prior[rest], other.prior[rest])


def test_with_verifier_cross_fits_the_training_split_only() -> None:
    data = world()
    train, val = data.rows(np.arange(0, N, 2)), data.rows(np.arange(1, N, 2))
    cfg = VerifierConfig(enabled=True, folds=4)
    tr, (va,), v = with_verifier(train, [val], cfg)
    assert isinstance(v, Verifier)
    assert torch.equal(va.prior, v.prior(val.emb)) and not torch.equal(tr.prior, v.prior(train.emb))
    off = with_verifier(train, [val], VerifierConfig(enabled=False, select="agreement"))
    assert off[0] is train and off[1][0] is val and off[2] is None
    joined = tr.cat(va)
    assert joined.prior.shape == (N, 2) and joined.rows([0]).prompt_ids == ["p0"]
    assert tr.cat(val).prior is None  # estimates are kept only when both sides carry them


def test_the_config_refuses_the_likely_rule_without_the_verifier_and_a_bad_penalty() -> None:
    with pytest.raises(ValidationError, match="needs verifier.enabled"):
        VerifierConfig(enabled=False, select="likely")
    with pytest.raises(ValidationError, match="l2"):
        VerifierConfig(enabled=True, l2=0)
    with pytest.raises(ValueError, match="needs verifier=True"):
        EmbeddedPolicy(D, 2, select="likely")
    with pytest.raises(ValueError, match="needs the verifier"):
        BatchState.empty(1, 2, torch.tensor([1.0]), select="likely")


def test_the_likely_rule_takes_the_best_supported_answer_and_the_cheapest_on_ties() -> None:
    price = torch.tensor([1.0, 2.0, 3.0, 4.0])
    s = BatchState.empty(3, 4, torch.ones(3), prior=torch.full((3, 4), 0.5), select="likely")
    # episode 0: models 0 and 1 agree at 0.6 each (support 0.84), the dear model 3 alone at 0.8
    s.called[0, [0, 1, 3]] = True
    s.answer[0, [0, 1, 3]] = torch.tensor([4, 4, 9])
    s.est[0, [0, 1, 3]] = torch.tensor([0.6, 0.6, 0.8])
    # episode 1: same answers, but the agreeing pair is weak (0.2 each: support 0.36)
    s.called[1, [0, 1, 3]] = True
    s.answer[1, [0, 1, 3]] = torch.tensor([4, 4, 9])
    s.est[1, [0, 1, 3]] = torch.tensor([0.2, 0.2, 0.8])
    # episode 2: two different answers with equal support: the cheaper model's
    s.called[2, [1, 2]] = True
    s.answer[2, [1, 2]] = torch.tensor([1, 2])
    s.est[2, [1, 2]] = torch.tensor([0.5, 0.5])
    sup = support(s)
    assert float(sup[0, 0]) == pytest.approx(0.84) and float(sup[0, 3]) == pytest.approx(0.8)
    assert sup[0, 2] == -torch.inf
    assert accepted_model(s, price).tolist() == [0, 3, 1]
    s.select = "agreement"  # the agreement rule takes the agreeing pair in both first episodes
    assert accepted_model(s, price).tolist() == [0, 0, 2]
    f = features(s, torch.zeros(3, D), price)
    assert f.shape == (3, feature_dim(D, 4, verifier=True))
    assert float(f[0, -1]) == pytest.approx(0.84)  # the best support is the last feature
