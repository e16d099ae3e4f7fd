"""λ drawn for training: log-uniform on a range, so every decade of the cost weight gets the same share of
episodes. One definition for the embedded trainer, the LLM trainer and the verl dataset rows."""

from __future__ import annotations

import math

import torch


def sample_lambda(n: int, lo: float, hi: float, gen: torch.Generator,
                  stratified: bool = False) -> torch.Tensor:
    """n values of λ, log-uniform on [lo, hi]; `stratified`: one in each of n equal strata of log λ,
    shuffled."""
    if not 0 < lo <= hi:
        raise ValueError(f"lambda_range must satisfy 0 < lo <= hi, got ({lo}, {hi})")
    u = torch.rand(n, generator=gen)
    if stratified:
        u = (torch.randperm(n, generator=gen) + u) / n
    return torch.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
