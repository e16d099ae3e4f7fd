"""Vectorized replay rollouts of the embedded router: B episodes at once, same rules as `RoutingEnv`.

Each step computes the decision features (`state.features`), samples (or takes the argmax of) the policy's
masked distribution, and applies the action: ACCEPT ends the episode with `accepted_model`; CALL m reveals
model m's answer id and output tokens and adds its recorded cost. After `MAX_TURNS` decisions an episode still
calling ends with `limit_model`, as the env's max-turns limit does. Recorded grades enter only the reward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from xrouter.env.reward import RewardParams, vector_reward
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.state import MAX_TURNS, BatchState, accepted_model, features, limit_model, valid_actions


@dataclass
class Rollout:
    idx: torch.Tensor  # [B] prompt index
    lam: torch.Tensor  # [B]
    feats: torch.Tensor  # [B, T, F]
    valid: torch.Tensor  # [B, T, A]
    actions: torch.Tensor  # [B, T]
    logp: torch.Tensor  # [B, T] log-prob of the action under the acting policy
    alive: torch.Tensor  # [B, T] the decision was taken (the episode had not ended)
    final: torch.Tensor  # [B] model whose answer was returned
    calls: torch.Tensor  # [B, M] models called
    cost: torch.Tensor  # [B]
    score: torch.Tensor  # [B]
    reward: torch.Tensor  # [B]
    entropy: torch.Tensor  # [B, T]


@torch.no_grad()
def rollout(policy: EmbeddedPolicy, data: ReplayTensors, idx: torch.Tensor, lam: torch.Tensor,
            reward: RewardParams, greedy: bool = False, generator: torch.Generator | None = None,
            embed_noise: float = 0.0) -> Rollout:
    """Roll out one episode per row of `idx` at the λ of `lam`. `embed_noise` > 0 (training only) adds Gaussian
    noise of expected norm `embed_noise` to each prompt embedding (MiniLM's are unit vectors): the policy then
    sees a neighbourhood of each train prompt instead of the prompt itself, which it could memorize."""
    b, m = len(idx), len(data.models)
    if policy.verifier and data.prior is None:
        raise ValueError("this policy reads the correctness verifier's estimates; the replay tensors carry none "
                         "(attach them with verifier.with_verifier)")
    state = BatchState.empty(b, m, lam, data.prior[idx] if policy.verifier else None, policy.select)
    done = torch.zeros(b, dtype=torch.bool)
    final = torch.full((b,), -1, dtype=torch.long)
    emb = data.emb[idx]
    if embed_noise > 0:
        emb = emb + torch.randn(emb.shape, generator=generator) * (embed_noise / emb.shape[1] ** 0.5)
    rows = torch.arange(b)
    steps: dict[str, list[torch.Tensor]] = {k: [] for k in ("feats", "valid", "actions", "logp", "alive", "ent")}
    for _ in range(MAX_TURNS):
        f, valid = features(state, emb, data.price), valid_actions(state)
        dist = torch.distributions.Categorical(logits=policy(f, valid))
        if greedy:
            a = dist.probs.argmax(-1)
        else:
            a = torch.multinomial(dist.probs, 1, generator=generator).squeeze(1)
        alive = ~done
        for k, v in (("feats", f), ("valid", valid), ("actions", a), ("logp", dist.log_prob(a)),
                     ("alive", alive), ("ent", dist.entropy())):
            steps[k].append(v)
        accept = alive & (a == m)
        final = torch.where(accept, accepted_model(state, data.price), final)
        done = done | accept
        call = alive & (a < m)
        ci, cm = rows[call], a[call]
        state.called[ci, cm] = True
        state.answer[ci, cm] = data.answer[idx[ci], cm]
        state.out_tokens[ci, cm] = data.out_tokens[idx[ci], cm]
        if state.est is not None:
            state.est[ci, cm] = data.post[idx[ci], cm]
        state.spent[ci] += data.cost[idx[ci], cm]
        state.turn[alive] += 1
    final = torch.where(done, final, limit_model(state, data.price))
    score = data.score[idx, final]
    r = vector_reward(score.numpy(), state.spent.numpy(), lam.numpy(), reward)
    stack = {k: torch.stack(v, 1) for k, v in steps.items()}
    return Rollout(idx, lam, stack["feats"], stack["valid"], stack["actions"], stack["logp"], stack["alive"],
                   final, state.called, state.spent.clone(), score, torch.tensor(np.asarray(r), dtype=torch.float32),
                   stack["ent"])
