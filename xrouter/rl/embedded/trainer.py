"""DAPO training of the embedded router in the vectorized replay simulator.

Departures from DAPO as written for LLMs (arXiv 2503.14476), and why:
* a "token" is one routing decision; the episode's reward is credited to every decision of the episode, and
  the token-level loss averages over all decisions in the batch;
* λ is an input: each group draws its λ log-uniformly from `lambda_range`, so one policy serves the whole
  frontier and λ can be chosen per request;
* no overlong shaping: the action space ends every episode within `MAX_TURNS` decisions, so nothing is ever
  truncated;
* optional, each a logged knob (params.yaml turns them on; docs/training.md has the measurements):
  `advantage_norm: batch` (group-mean baseline, one std over the batch instead of each group's — the group std
  erases the scale λ gives a cost-aware reward), an entropy bonus with a linear decay, a cosine learning-rate
  schedule and λ draws stratified over log λ.
Everything else is DAPO: G rollouts per prompt, group-centred advantages, clip-higher, dynamic sampling
(groups whose rewards are all equal are dropped and the batch refilled), no KL term.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from xrouter.env.reward import RewardParams
from xrouter.rl.config import EmbeddedTrainConfig
from xrouter.rl.dapo import dapo_policy_loss, dynamic_sampling_mask, group_advantages
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.simulator import Rollout, rollout
from xrouter.rl.lambdas import sample_lambda


@dataclass
class StepStats:
    step: int
    metrics: dict[str, float]


def entropy_coef_at(cfg: EmbeddedTrainConfig, step: int) -> float:
    if cfg.entropy_coef_final is None or cfg.steps <= 1:
        return cfg.entropy_coef
    return cfg.entropy_coef + (cfg.entropy_coef_final - cfg.entropy_coef) * step / (cfg.steps - 1)


def lr_at(cfg: EmbeddedTrainConfig, step: int) -> float:
    if cfg.lr_schedule == "constant" or cfg.steps <= 1:
        return cfg.lr
    lo = cfg.lr * cfg.lr_final_fraction
    return lo + 0.5 * (cfg.lr - lo) * (1.0 + math.cos(math.pi * step / (cfg.steps - 1)))


def _prompt_pool(data: ReplayTensors, cfg: EmbeddedTrainConfig, step: int) -> torch.Tensor:
    n = len(data.prompt_ids)
    if not cfg.curriculum.enabled:
        return torch.arange(n)
    c = cfg.curriculum
    frac = min(1.0, c.start_fraction + (1.0 - c.start_fraction) * step / c.warmup_steps)
    order = torch.argsort(data.difficulty(), stable=True)
    return order[: max(1, int(round(frac * n)))]


def _concat(parts: list[Rollout]) -> Rollout:
    return Rollout(*(torch.cat([getattr(p, f) for p in parts]) for f in Rollout.__dataclass_fields__))


def collect(policy: EmbeddedPolicy, data: ReplayTensors, cfg: EmbeddedTrainConfig, reward: RewardParams,
            step: int, gen: torch.Generator) -> tuple[Rollout, int, int]:
    """A batch of up to `groups_per_step` informative groups (dynamic sampling, refilled up to
    max_resample_rounds); returns (rollouts ordered group by group, groups sampled, groups dropped as
    uniform)."""
    g, want = cfg.dapo.group_size, cfg.groups_per_step
    candidates = _prompt_pool(data, cfg, step)
    kept: list[Rollout] = []
    n_kept = sampled = dropped = 0
    for _ in range(1 + (cfg.dapo.max_resample_rounds if cfg.dapo.dynamic_sampling else 0)):
        pick = candidates[torch.randint(len(candidates), (want,), generator=gen)]
        lam = sample_lambda(want, *cfg.lambda_range, gen, cfg.lambda_stratified)
        r = rollout(policy, data, pick.repeat_interleave(g), lam.repeat_interleave(g), reward, generator=gen,
                    embed_noise=cfg.embed_noise)
        keep = dynamic_sampling_mask(r.reward.view(want, g)) if cfg.dapo.dynamic_sampling else torch.ones(want, dtype=torch.bool)
        sampled += want
        dropped += int((~keep).sum())
        take = torch.nonzero(keep).flatten()[: want - n_kept]
        if len(take):
            rows = (take.unsqueeze(1) * g + torch.arange(g)).flatten()
            kept.append(Rollout(*(getattr(r, f)[rows] for f in Rollout.__dataclass_fields__)))
            n_kept += len(take)
        if n_kept >= want:
            break
    if not kept:  # every group was uniform: learn nothing this step, but still report it
        return r, sampled, dropped
    return _concat(kept), sampled, dropped


def advantages(rewards: torch.Tensor, cfg: EmbeddedTrainConfig) -> torch.Tensor:
    """[B·G] advantages of rewards ordered group by group: centred on the group mean, then scaled by the group
    std (DAPO, `advantage_norm: group`) or by one std over the whole batch (`advantage_norm: batch`)."""
    by_group = cfg.advantage_norm == "group" and cfg.dapo.normalize_std
    adv = group_advantages(rewards.view(-1, cfg.dapo.group_size), eps=cfg.dapo.advantage_eps,
                           normalize_std=by_group).flatten()
    if cfg.advantage_norm == "batch" and adv.numel() > 1:
        adv = adv / (adv.std() + cfg.dapo.advantage_eps)
    return adv


def update(policy: EmbeddedPolicy, opt: torch.optim.Optimizer, batch: Rollout, cfg: EmbeddedTrainConfig,
           gen: torch.Generator, entropy_coef: float | None = None) -> dict[str, float]:
    entropy_coef = cfg.entropy_coef if entropy_coef is None else entropy_coef
    adv = advantages(batch.reward, cfg)
    b, t, f = batch.feats.shape
    stats: list[dict[str, float]] = []
    for _ in range(cfg.ppo_epochs):
        for mb in torch.randperm(b, generator=gen).chunk(cfg.minibatches):
            logits = policy(batch.feats[mb].view(-1, f), batch.valid[mb].view(-1, batch.valid.shape[-1]))
            dist = torch.distributions.Categorical(logits=logits)
            logp = dist.log_prob(batch.actions[mb].view(-1)).view(len(mb), t)
            loss, s = dapo_policy_loss(logp, batch.logp[mb], adv[mb], batch.alive[mb].float(),
                                       eps_low=cfg.dapo.eps_low, eps_high=cfg.dapo.eps_high, agg=cfg.dapo.loss_agg)
            if entropy_coef > 0:
                alive = batch.alive[mb].float().view(-1)
                ent = torch.nan_to_num(dist.entropy()) * alive
                loss = loss - entropy_coef * ent.sum() / alive.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.max_grad_norm)
            opt.step()
            stats.append({"loss": float(loss.detach()), **{k: float(v) for k, v in s.items()}})
    return {k: float(np.mean([s[k] for s in stats])) for k in stats[0]}


def batch_metrics(batch: Rollout, models: list[str]) -> dict[str, float]:
    alive = batch.alive.float()
    calls = batch.calls.float()
    share = calls.sum(0) / max(float(calls.sum()), 1.0)
    out = {
        "reward": float(batch.reward.mean()),
        "accuracy": float(batch.score.mean()),
        "cost_per_query": float(batch.cost.mean()),
        "calls_per_query": float(calls.sum(1).mean()),
        "entropy": float((batch.entropy * alive).sum() / alive.sum()),
        "max_call_share": float(share.max()),
    }
    out.update({f"call_share/{m}": float(s) for m, s in zip(models, share)})
    return out


def new_policy(data: ReplayTensors, cfg: EmbeddedTrainConfig) -> EmbeddedPolicy:
    return EmbeddedPolicy(data.emb.shape[1], len(data.models), cfg.hidden, cfg.embed_proj, cfg.dropout,
                          cfg.verifier.enabled, cfg.verifier.select)


def train(data: ReplayTensors, cfg: EmbeddedTrainConfig, reward: RewardParams,
          on_step: Callable[[StepStats], None] | None = None,
          validate: Callable[[EmbeddedPolicy], float] | None = None) -> EmbeddedPolicy:
    """Train; with `validate` (higher is better, e.g. mean val reward across λ) the best checkpoint seen every
    `eval_every` steps is returned, else the last."""
    if cfg.verifier.enabled and data.prior is None:
        raise ValueError("train.embedded.verifier is enabled but the training tensors carry no estimates: attach "
                         "cross-fitted ones with verifier.with_verifier (run_embedded and the CV do)")
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    policy = new_policy(data, cfg)
    opt = torch.optim.AdamW(policy.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    best_score, best_state = -math.inf, None
    for step in range(cfg.steps):
        policy.eval()  # rollouts act without dropout; updates train with it
        batch, sampled, dropped = collect(policy, data, cfg, reward, step, gen)
        metrics = batch_metrics(batch, data.models)
        metrics["dropped_group_fraction"] = dropped / sampled
        if dropped < sampled:
            policy.train()
            lr, ent_coef = lr_at(cfg, step), entropy_coef_at(cfg, step)
            for group in opt.param_groups:
                group["lr"] = lr
            metrics.update(update(policy, opt, batch, cfg, gen, ent_coef), lr=lr, entropy_coef=ent_coef)
        if validate is not None and ((step + 1) % cfg.eval_every == 0 or step + 1 == cfg.steps):
            policy.eval()
            metrics["val_score"] = validate(policy)
            if metrics["val_score"] > best_score:
                best_score, best_state = metrics["val_score"], copy.deepcopy(policy.state_dict())
        if on_step is not None:
            on_step(StepStats(step, metrics))
    if best_state is not None:
        policy.load_state_dict(best_state)
    return policy.eval()
