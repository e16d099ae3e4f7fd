"""DAPO for the tool-calling LLM router.

Per step: `prompts_per_step` train prompts, each with a λ drawn log-uniformly from `lambda_range` and rolled
out G times through the real `RoutingEnv` (replay backend); the episode reward (plus DAPO's overlong
shaping of the longest reply) is the return of every reply of the episode — the reward credited to every
turn. Groups whose rewards are all equal are dropped and, up to `dapo.max_resample_rounds`, refilled with new
prompts (dynamic sampling). Advantages are centred per group and scaled by the batch std
(`advantage_norm: batch`, as the embedded router; `group` is DAPO's per-group std). The loss is DAPO's
clip-higher surrogate aggregated per token over every generated token of the batch (token-mean), no KL.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable

import torch

from xrouter.env.episode import RoutingEnv
from xrouter.env.types import Query
from xrouter.pool import ModelPool
from xrouter.rl.config import LLMTrainConfig
from xrouter.rl.dapo import dapo_policy_loss, dynamic_sampling_mask, overlong_penalty, token_entropy
from xrouter.rl.lambdas import sample_lambda
from xrouter.rl.llm.policy import LLMPolicy, Turn
from xrouter.rl.llm.rollout import Episode, run_episodes

def _mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else 0.0


def _episode_rewards(episodes: list[Episode], cfg: LLMTrainConfig) -> torch.Tensor:
    base = torch.tensor([e.result.reward for e in episodes])
    longest = torch.tensor([max(len(t.gen_ids) for t in e.turns) for e in episodes])
    shaping = overlong_penalty(longest, cfg.dapo.max_response_len, cfg.dapo.overlong_buffer_len,
                               cfg.dapo.overlong_penalty_factor)
    return base + shaping


def _sample_groups(env: RoutingEnv, policy: LLMPolicy, pool: ModelPool, queries: list[Query], cfg: LLMTrainConfig,
                   gen: torch.Generator) -> tuple[list[list[Episode]], torch.Tensor, dict]:
    """Kept groups [B][G], their rewards [B, G], and rollout stats (over every sampled episode)."""
    g = cfg.dapo.group_size
    kept: list[list[Episode]] = []
    kept_r: list[torch.Tensor] = []
    sampled: list[Episode] = []
    rounds = 0
    while len(kept) < cfg.prompts_per_step and rounds <= cfg.dapo.max_resample_rounds:
        idx = torch.randint(len(queries), (cfg.prompts_per_step,), generator=gen).tolist()
        lams = sample_lambda(cfg.prompts_per_step, *cfg.lambda_range, gen).tolist()
        episodes = run_episodes(env, policy, pool, [queries[i] for i in idx for _ in range(g)],
                                [lam for lam in lams for _ in range(g)], cfg.response_chars)
        sampled += episodes
        rewards = _episode_rewards(episodes, cfg).view(-1, g)
        keep = dynamic_sampling_mask(rewards) if cfg.dapo.dynamic_sampling else torch.ones(len(idx), dtype=torch.bool)
        for b in torch.nonzero(keep).flatten().tolist():
            if len(kept) < cfg.prompts_per_step:
                kept.append(episodes[b * g:(b + 1) * g])
                kept_r.append(rewards[b])
        rounds += 1
    n_groups = len(sampled) // g
    stats = {
        "reward": _mean(e.result.reward for e in sampled),
        "accuracy": _mean(e.result.score for e in sampled),
        "cost_per_query": _mean(e.result.cost_usd for e in sampled),
        "calls_per_query": _mean(len(e.result.models_called) for e in sampled),
        "well_formed": _mean(f for e in sampled for f in e.well_formed),
        "turns_per_episode": _mean(len(e.turns) for e in sampled),
        "reply_tokens": _mean(len(t.gen_ids) for e in sampled for t in e.turns),
        "dropped_group_fraction": 1.0 - len(kept) / max(n_groups, 1),
        "resample_rounds": float(rounds),
    }
    calls = Counter(m for e in sampled for m in e.result.models_called)
    total = max(sum(calls.values()), 1)
    stats.update({f"call_share/{m}": calls[m] / total for m in pool.ids})
    return kept, torch.stack(kept_r) if kept_r else torch.zeros(0, g), stats


def _advantages(rewards: torch.Tensor, cfg: LLMTrainConfig) -> torch.Tensor:
    centred = rewards - rewards.mean(dim=1, keepdim=True)
    if cfg.advantage_norm == "group":
        return centred / (rewards.std(dim=1, keepdim=True) + cfg.dapo.advantage_eps)
    return centred / (centred.std() + cfg.dapo.advantage_eps) if centred.numel() > 1 else centred


def _update(policy: LLMPolicy, opt: torch.optim.Optimizer, turns: list[Turn], adv: torch.Tensor,
            cfg: LLMTrainConfig) -> dict:
    mb = cfg.minibatch_turns
    with torch.no_grad():
        for k in range(0, len(turns), mb):
            logp, mask, _ = policy.logprobs(turns[k:k + mb])
            for t, row, m in zip(turns[k:k + mb], logp, mask):
                t.logp_old = row[m].tolist()
    n_tokens = max(sum(len(t.logp_old) for t in turns), 1)  # the scored tokens of the whole batch
    stats: Counter[str] = Counter()
    policy.model.train()
    for _ in range(cfg.ppo_epochs):
        opt.zero_grad(set_to_none=True)
        for k in range(0, len(turns), mb):
            chunk = turns[k:k + mb]
            logp, mask, logits = policy.logprobs(chunk)
            old = torch.zeros_like(logp)
            for i, t in enumerate(chunk):
                old[i, : len(t.logp_old)] = torch.tensor(t.logp_old)
            loss, s = dapo_policy_loss(logp, old, adv[k:k + mb].to(logp.device), mask, cfg.dapo.eps_low,
                                       cfg.dapo.eps_high, cfg.dapo.loss_agg)
            weight = int(mask.sum()) / n_tokens  # token-mean over the whole batch, in chunks
            (loss * weight).backward()
            for key, v in s.items():
                stats[key] += float(v) * weight
            stats["entropy"] += float(token_entropy(logits.detach(), mask)) * weight
            stats["loss"] += float(loss.detach()) * weight
        stats["grad_norm"] += float(torch.nn.utils.clip_grad_norm_(policy.model.parameters(), cfg.max_grad_norm))
        opt.step()
    policy.model.eval()
    return {k: v / (cfg.ppo_epochs if k == "grad_norm" else 1) for k, v in stats.items()}


def greedy_reward(env: RoutingEnv, policy: LLMPolicy, pool: ModelPool, queries: list[Query], lam: float,
                  response_chars: int) -> dict:
    eps = run_episodes(env, policy, pool, queries, [lam] * len(queries), response_chars, greedy=True)
    return {"reward": _mean(e.result.reward for e in eps), "accuracy": _mean(e.result.score for e in eps),
            "well_formed": _mean(all(e.well_formed) for e in eps)}


def train_llm(policy: LLMPolicy, env: RoutingEnv, pool: ModelPool, queries: list[Query], cfg: LLMTrainConfig,
              on_step: Callable[[int, dict], None] | None = None) -> dict:
    """Train in place; returns a summary (greedy reward on fixed train prompts before and after, timings)."""
    gen = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    opt = torch.optim.AdamW([p for p in policy.model.parameters() if p.requires_grad], lr=cfg.lr,
                            weight_decay=cfg.weight_decay)
    probe = queries[: cfg.eval_prompts]
    lam_mid = math.sqrt(cfg.lambda_range[0] * cfg.lambda_range[1])
    before = greedy_reward(env, policy, pool, probe, lam_mid, cfg.response_chars) if probe else {}
    started = time.perf_counter()
    history = []
    for step in range(cfg.steps):
        t0 = time.perf_counter()
        groups, rewards, metrics = _sample_groups(env, policy, pool, queries, cfg, gen)
        if groups:
            adv = _advantages(rewards, cfg)
            turns, per_turn = [], []
            for b, group in enumerate(groups):
                for j, ep in enumerate(group):
                    turns += ep.turns
                    per_turn += [float(adv[b, j])] * len(ep.turns)
            metrics.update(_update(policy, opt, turns, torch.tensor(per_turn), cfg))
        metrics["step_seconds"] = time.perf_counter() - t0
        history.append(metrics)
        if on_step is not None:
            on_step(step, metrics)
    after = greedy_reward(env, policy, pool, probe, lam_mid, cfg.response_chars) if probe else {}
    return {"train_seconds": time.perf_counter() - started, "greedy_before": before, "greedy_after": after,
            "probe_lambda": lam_mid, "first_reward": history[0]["reward"], "last_reward": history[-1]["reward"],
            "history": history}
