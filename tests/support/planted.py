"""Routers with a planted behaviour, for tests of what watches the shipped router: a real embedded router
folder whose policy always calls one chosen model first, then accepts its answer (its output layer is a fixed
bias; the rest of the network cannot move it)."""

from __future__ import annotations

from pathlib import Path

import torch

from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.router import save_router
from xrouter.routers.card import RouterCard

EMBED_DIM = 384  # MiniLM


def fixed_choice_router(models: list[str], model: str, out: Path, lam: float = 2.0) -> Path:
    if model not in models:
        raise ValueError(f"{model!r} is not in the pool: {models}")
    policy = EmbeddedPolicy(EMBED_DIM, len(models), hidden=8, embed_proj=4)
    head = policy.net[-1]
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[models.index(model)] = 10.0  # call this model first ...
        head.bias[len(models)] = 5.0           # ... then accept (ACCEPT is invalid until something was called)
    card = RouterCard(kind="embedded", pool="zeroeval", models=list(models), lambda_range=(0.5, 500.0),
                      reward={"name": "xrouter_code", "K": 1.0, "cost_max": 0.6, "cost_scale": 0.01,
                              "router_usd_per_mtok": 0.0},
                      training={"planted": f"always {model}"}, operating_lambda=lam,
                      spec={"embed_dim": EMBED_DIM, "hidden": 8, "embed_proj": 4})
    save_router(policy, card, out)
    return out
