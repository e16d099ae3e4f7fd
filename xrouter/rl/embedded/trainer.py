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
from pydantic import BaseModel, ConfigDict, Field

from xrouter.env.reward import RewardParams
from xrouter.rl.config import DAPOConfig
from xrouter.rl.dapo import dapo_policy_loss, dynamic_sampling_mask, group_advantages
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.simulator import Rollout, rollout
from xrouter.rl.lambdas import sample_lambda


class CurriculumConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, description="Start on the easiest prompts (most pool models right) and widen.")
    start_fraction: float = Field(0.3, gt=0, le=1, description="Share of train prompts, easiest first, at step 0.")
    warmup_steps: int = Field(100, ge=1, description="Steps until the whole train split is in play.")


class EmbeddedTrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = Field(300, ge=1)
    groups_per_step: int = Field(64, ge=1, description="Prompts per batch; each is rolled out G times.")
    lr: float = Field(3e-4, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    hidden: int = Field(128, ge=8)
    embed_proj: int = Field(32, ge=1, description="Width of the prompt-embedding projection (see policy.py).")
    dropout: float = Field(0.1, ge=0, lt=1)
    embed_noise: float = Field(0.0, ge=0, description=(
        "Expected norm of Gaussian noise added to each (unit-norm) prompt embedding in training rollouts: an "
        "augmentation against memorizing which model was right on each train prompt."))
    eval_every: int = Field(25, ge=1, description="Steps between validation checks (the best one is kept).")
    entropy_coef: float = Field(0.0, ge=0, description=(
        "Entropy bonus on the decision distribution. Not part of DAPO (which relies on clip-higher); with 29 "
        "actions and few informative groups the policy can collapse before clip-higher helps, so a small bonus "
        "is offered as an explicit, logged departure."))
    entropy_coef_final: float | None = Field(None, ge=0, description=(
        "Entropy bonus at the last step, reached linearly from `entropy_coef` (None: constant). A large bonus "
        "early keeps the 29-way choice exploring while the advantages are still noisy; decaying it lets the "
        "policy sharpen onto what the reward prefers."))
    lr_schedule: str = Field("constant", pattern="^(constant|cosine)$", description=(
        "constant, or cosine decay from `lr` to `lr * lr_final_fraction` over the run."))
    lr_final_fraction: float = Field(0.1, ge=0, le=1)
    lambda_stratified: bool = Field(False, description=(
        "Draw each batch's λ values stratified over log λ (one per equal-width stratum, shuffled) instead of "
        "independently, so every batch covers cheap and accurate operating points evenly."))
    advantage_norm: str = Field("group", pattern="^(group|batch)$", description=(
        "group: DAPO's (r − group mean) / group std (or no division with dapo.normalize_std=false, Dr. GRPO). "
        "batch: r − group mean, divided by the std of those centred rewards over the whole batch (the "
        "'group mean, batch std' of REINFORCE++ / Lite PPO). With a cost-aware reward the group std erases "
        "scale: at λ=2 two right answers that differ by $0.005 would get the same ±1 advantages as a right and "
        "a wrong one, so every λ teaches 'cheapest wins'; a batch-wide scale keeps that difference small."))
    ppo_epochs: int = Field(2, ge=1, description="Optimizer passes over each batch (ratios move off 1 after the first).")
    minibatches: int = Field(2, ge=1)
    max_grad_norm: float = Field(1.0, gt=0)
    lambda_range: tuple[float, float] = Field((0.5, 500.0), description="λ is drawn log-uniformly per group.")
    seed: int = 0
    threads: int = Field(1, ge=1, description=(
        "torch intra-op threads while training. Float sums are ordered by the thread split, so a run is "
        "bit-reproducible only at a fixed count; 1 is also the fastest for this small network."))
    curriculum: CurriculumConfig = CurriculumConfig()
    dapo: DAPOConfig = DAPOConfig()


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
    return EmbeddedPolicy(data.emb.shape[1], len(data.models), cfg.hidden, cfg.embed_proj, cfg.dropout)


def train(data: ReplayTensors, cfg: EmbeddedTrainConfig, reward: RewardParams,
          on_step: Callable[[StepStats], None] | None = None,
          validate: Callable[[EmbeddedPolicy], float] | None = None) -> EmbeddedPolicy:
    """Train; with `validate` (higher is better, e.g. mean val reward across λ) the best checkpoint seen every
    `eval_every` steps is returned, else the last."""
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
