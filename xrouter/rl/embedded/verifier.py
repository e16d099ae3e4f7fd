"""A correctness verifier for the embedded router: for each pool model, the probability that its answer to a
prompt is right — `prior` from the prompt alone (is this prompt hard for that model?) and `post` once its
response is seen (the prompt, plus the response's length and whether it has a readable final answer).

Each is one L2-regularized logistic regression per model, all models fitted at once (full-batch L-BFGS on
the summed binary cross-entropy). The policy gets the estimates as inputs and ACCEPT can pick the answer most
likely correct (`state.accepted_model`). Recorded grades are the verifier's training labels, as they are the
reward's: they never enter a feature directly.

Honesty: a router trained on estimates its verifier fitted on the same prompts would learn to trust them more
than they deserve. So on the prompts a router trains on, the estimates are cross-fitted (`cross_fitted`:
each prompt's come from a verifier that did not see it, the folds of `folds.fold_of`); every other split —
val, test, a CV held-out fold, a served request — gets the verifier fitted on all of the router's training
prompts, which is what ships with the router (`verifier.pt`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from xrouter.rl.config import VerifierConfig
from xrouter.rl.embedded.folds import fold_of
from xrouter.rl.embedded.replay_data import ReplayTensors

VERIFIER_FILE = "verifier.pt"
TOKENS_SCALE = 8.0  # log1p(output tokens) / 8: ≈ 1 for a 3k-token response


@dataclass(frozen=True)
class Verifier:
    prior_w: torch.Tensor  # [D + 1, M]: prompt-embedding weights, bias
    post_w: torch.Tensor  # [D + 3, M]: prompt-embedding weights, response length, readable answer, bias

    def prior(self, emb: torch.Tensor) -> torch.Tensor:
        """[N, M] P(correct) from the prompt embedding [N, D] alone."""
        d = emb.shape[1]
        return torch.sigmoid(emb @ self.prior_w[:d] + self.prior_w[d])

    def post(self, emb: torch.Tensor, out_tokens: torch.Tensor, readable: torch.Tensor) -> torch.Tensor:
        """[N, M] P(correct) given each model's response: its output tokens [N, M] and whether it has a readable
        final answer [N, M]."""
        d, w = emb.shape[1], self.post_w
        return torch.sigmoid(emb @ w[:d] + w[d] * response_length(out_tokens) + w[d + 1] * readable.float() + w[d + 2])

    def estimates(self, data: ReplayTensors) -> ReplayTensors:
        """`data` with this verifier's prior and post estimates attached."""
        return replace(data, prior=self.prior(data.emb), post=self.post(data.emb, data.out_tokens, data.answer >= 0))

    def save(self, path: Path) -> None:
        torch.save({"prior_w": self.prior_w, "post_w": self.post_w}, Path(path) / VERIFIER_FILE)

    @classmethod
    def load(cls, path: Path) -> Verifier:
        state = torch.load(Path(path) / VERIFIER_FILE, weights_only=True)
        return cls(state["prior_w"], state["post_w"])


def response_length(out_tokens: torch.Tensor) -> torch.Tensor:
    return torch.log1p(out_tokens) / TOKENS_SCALE


def _fit_logistic(emb: torch.Tensor, extra: torch.Tensor, y: torch.Tensor, l2: float) -> torch.Tensor:
    """One logistic regression per model, solved together: the logit of model m on prompt n is
    emb[n]·w_m + extra[n, m]·v_m + b_m (emb [N, D] shared, extra [N, M, K] per model, y [N, M] in [0, 1]).
    Minimizes the mean cross-entropy + l2/2·(‖w_m‖² + ‖v_m‖² + b_m²) for each model: the bias is penalized
    too, so a model right (or wrong) on every training prompt gets a large finite logit, not an infinite one.
    Returns [D + K + 1, M]: w, v, b stacked."""
    d, k, m = emb.shape[1], extra.shape[2], y.shape[1]
    w = torch.zeros(d + k + 1, m, requires_grad=True)  # float32: same out-of-fold log-loss as float64, ~5x faster
    opt = torch.optim.LBFGS([w], lr=1.0, max_iter=200, tolerance_grad=1e-7, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        z = emb @ w[:d] + (extra * w[d : d + k].T).sum(-1) + w[d + k]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="mean") * m
        loss = loss + 0.5 * l2 * (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach()


def fit_verifier(data: ReplayTensors, l2: float) -> Verifier:
    """Fit both regressions on every (prompt, model) of `data` (its recorded grades are the labels)."""
    n, m = data.score.shape
    y = data.score.clamp(0.0, 1.0)
    response = torch.stack([response_length(data.out_tokens), (data.answer >= 0).float()], 2)
    return Verifier(_fit_logistic(data.emb, torch.zeros(n, m, 0), y, l2), _fit_logistic(data.emb, response, y, l2))


def cross_fitted(data: ReplayTensors, folds: int, seed: int, l2: float) -> ReplayTensors:
    """`data` with out-of-fold estimates: each prompt's prior and post from a verifier fitted on the other
    folds (task-stratified, seeded)."""
    fold = fold_of(data.tasks, folds, seed)
    prior = torch.zeros_like(data.score)
    post = torch.zeros_like(data.score)
    for f in range(folds):
        held = np.flatnonzero(fold == f)
        part = fit_verifier(data.rows(np.flatnonzero(fold != f)), l2).estimates(data.rows(held))
        prior[held], post[held] = part.prior, part.post
    return replace(data, prior=prior, post=post)


def with_verifier(train: ReplayTensors, others: list[ReplayTensors], cfg: VerifierConfig
                  ) -> tuple[ReplayTensors, list[ReplayTensors], Verifier | None]:
    """With `cfg.enabled`: the training split with cross-fitted estimates, every other split with the estimates
    of the verifier fitted on all of `train`, and that verifier (the one that ships). Otherwise the splits
    unchanged and None."""
    if not cfg.enabled:
        return train, others, None
    verifier = fit_verifier(train, cfg.l2)
    return cross_fitted(train, cfg.folds, cfg.seed, cfg.l2), [verifier.estimates(o) for o in others], verifier
