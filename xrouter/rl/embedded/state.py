"""The embedded router's decision state and features — one definition shared by training and serving.

A state is what the router knows at a turn, as arrays over the pool's M models: which models it has called,
the id of each called model's final answer (answers are compared within an episode only: equal extracted
answers share an id; -1 = no readable answer or not called), each response's output tokens, the money spent,
the turn and λ; with a correctness verifier (`verifier.py`) also each model's estimated P(correct) from the
prompt (`prior`, all models) and from its response (`est`, called models). Nothing in it comes from recorded
grades; `features` turns it into the policy's input.

Actions: 0..M-1 = call model m; M = ACCEPT, which ends the episode with `accepted_model`: the cheapest model
among those sharing the most common answer when at least two called models agree, else the priciest model
called (rule `agreement`); or, with rule `likely`, the answer most likely correct by the verifier (each
called answer's support is 1 − Π(1 − est) over the called models giving that answer; ties go to the cheapest
model). An episode that is still calling when its turns run out ends as the episode env ends it: with the
priciest model called (`limit_model`). "Price" is the cost of 1k input + 1k output tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

MAX_TURNS = 3
SELECT_RULES = ("agreement", "likely")


@dataclass
class BatchState:
    called: torch.Tensor  # [B, M] bool
    answer: torch.Tensor  # [B, M] long, -1 = none
    out_tokens: torch.Tensor  # [B, M] float
    spent: torch.Tensor  # [B] float, USD
    turn: torch.Tensor  # [B] long, 0-based number of actions taken
    lam: torch.Tensor  # [B] float
    prior: torch.Tensor | None = None  # [B, M] verifier's P(correct) from the prompt; None: no verifier
    est: torch.Tensor | None = None  # [B, M] verifier's P(correct) of each called model's response, 0 if not called
    select: str = "agreement"  # ACCEPT's rule: agreement | likely (needs the verifier)

    @classmethod
    def empty(cls, batch: int, n_models: int, lam: torch.Tensor, prior: torch.Tensor | None = None,
              select: str = "agreement") -> "BatchState":
        if select not in SELECT_RULES:
            raise ValueError(f"select rule must be one of {SELECT_RULES}, got '{select}'")
        if select == "likely" and prior is None:
            raise ValueError("select rule 'likely' needs the verifier's estimates (prior)")
        est = None if prior is None else torch.zeros(batch, n_models)
        return cls(torch.zeros(batch, n_models, dtype=torch.bool), torch.full((batch, n_models), -1),
                   torch.zeros(batch, n_models), torch.zeros(batch), torch.zeros(batch, dtype=torch.long), lam,
                   prior, est, select)


def agreement(state: BatchState) -> tuple[torch.Tensor, torch.Tensor]:
    """(size of the largest group of called models sharing a readable answer [B], membership mask [B, M])."""
    a = state.answer.masked_fill(~state.called, -1)
    same = (a.unsqueeze(2) == a.unsqueeze(1)) & (a.unsqueeze(2) >= 0)  # [B, M, M]
    counts = same.sum(-1)  # per model: how many called models share its answer (itself included)
    best = counts.max(-1).values
    members = (counts == best.unsqueeze(1)) & (best.unsqueeze(1) >= 2) & (a >= 0)
    return best, members


def support(state: BatchState) -> torch.Tensor:
    """[B, M] for each called model, the verifier's probability that its answer is right counting every called
    model that gave the same readable answer: 1 − Π(1 − est) over them (independent errors assumed); −inf for
    models not called."""
    a = state.answer.masked_fill(~state.called, -1)
    same = (a.unsqueeze(2) == a.unsqueeze(1)) & (a.unsqueeze(2) >= 0)
    same = same | torch.eye(a.shape[1], dtype=torch.bool)  # an unreadable answer stands alone
    log_wrong = torch.log1p(-state.est.clamp(max=1.0 - 1e-6)).masked_fill(~state.called, 0.0)
    s = 1.0 - torch.exp((same.float() * log_wrong.unsqueeze(1)).sum(-1))
    return s.masked_fill(~state.called, -torch.inf)


def accepted_model(state: BatchState, price: torch.Tensor) -> torch.Tensor:
    """[B] index of the model whose answer ACCEPT returns (see the module docstring)."""
    if state.select == "likely":
        s = support(state)
        top = s >= s.max(-1, keepdim=True).values - 1e-9
        return torch.where(top & state.called, price.expand_as(top), torch.inf).argmin(-1)
    best, members = agreement(state)
    inf = torch.tensor(float("inf"))
    cheapest_agreeing = torch.where(members, price.expand_as(members), inf).argmin(-1)
    priciest_called = torch.where(state.called, price.expand_as(state.called), -inf).argmax(-1)
    return torch.where(best >= 2, cheapest_agreeing, priciest_called)


def limit_model(state: BatchState, price: torch.Tensor) -> torch.Tensor:
    """[B] the priciest called model: the env's best-answer-so-far rule when a limit ends an episode."""
    return torch.where(state.called, price.expand_as(state.called), -torch.inf).argmax(-1)


def features(state: BatchState, prompt_emb: torch.Tensor, price: torch.Tensor) -> torch.Tensor:
    """[B, F] policy input: prompt embedding, log λ, turn, called mask, readable-answer mask, log output
    tokens, agreement summary (largest agreeing group, distinct answers, whether the priciest called model is
    in the agreeing group), log of money spent."""
    best, members = agreement(state)
    called = state.called.float()
    readable = (state.answer >= 0) & state.called
    n_called = called.sum(-1)
    a = state.answer.masked_fill(~readable, -1)
    same = (a.unsqueeze(2) == a.unsqueeze(1)) & (a.unsqueeze(2) >= 0)  # [B, M, M]
    earlier = torch.ones(a.shape[1], a.shape[1], dtype=torch.bool).tril(-1)  # k < j
    first_of_its_answer = readable & ~(same & earlier).any(-1)
    distinct = first_of_its_answer.sum(-1).float()
    priciest = torch.where(state.called, price.expand_as(state.called), -torch.inf).argmax(-1)
    priciest_agrees = members.gather(1, priciest.unsqueeze(1)).squeeze(1).float()
    turn = torch.nn.functional.one_hot(state.turn.clamp(max=MAX_TURNS - 1), MAX_TURNS).float()
    summary = torch.stack([
        torch.log1p(state.lam), n_called / MAX_TURNS, best.float() / MAX_TURNS, distinct / MAX_TURNS,
        priciest_agrees, (best >= 2).float(), torch.log1p(state.spent * 1000.0),
    ], dim=1)
    parts = [prompt_emb, turn, summary, called, readable.float(), torch.log1p(state.out_tokens) / 8.0]
    if state.prior is not None:  # the verifier's view: every model's prior, the called ones' estimates, and
        s = support(state)       # the support of the answer ACCEPT's `likely` rule would pick (0 before a call)
        best_support = torch.where(state.called.any(-1), s.max(-1).values, torch.zeros(len(s)))
        parts += [state.prior, state.est * called, best_support.unsqueeze(1)]
    return torch.cat(parts, 1)


def valid_actions(state: BatchState) -> torch.Tensor:
    """[B, M+1] bool: call any model not yet called; ACCEPT once something has been called."""
    return torch.cat([~state.called, state.called.any(-1, keepdim=True)], dim=1)


def feature_dim(embed_dim: int, n_models: int, verifier: bool = False) -> int:
    return embed_dim + MAX_TURNS + 7 + 3 * n_models + (2 * n_models + 1 if verifier else 0)
