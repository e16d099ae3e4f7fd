"""Dense tensors of a replay split for the vectorized simulator: per (prompt, model) the recorded grade and
cost (for the reward only), the id of the response's extracted final answer and its output tokens (what the
router may observe), and the prompts' MiniLM embeddings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from xrouter.data.world import ReplayWorld
from xrouter.embeddings import embed
from xrouter.pool import ModelPool
from xrouter.routers.answers import extract_answer


def answer_ids(answers: list[str | None]) -> list[int]:
    """Equal answers share an id (in order of first appearance); None -> -1."""
    ids: dict[str, int] = {}
    return [-1 if a is None else ids.setdefault(a, len(ids)) for a in answers]


@dataclass
class ReplayTensors:
    prompt_ids: list[str]
    tasks: list[str]
    models: list[str]
    emb: torch.Tensor  # [N, D]
    score: torch.Tensor  # [N, M] recorded grade — reward only, never a feature
    cost: torch.Tensor  # [N, M] USD
    answer: torch.Tensor  # [N, M] long, -1 = unreadable
    out_tokens: torch.Tensor  # [N, M]
    price: torch.Tensor  # [M] USD of 1k input + 1k output tokens

    @classmethod
    def build(cls, world: ReplayWorld, prompt_ids: list[str], pool: ModelPool) -> "ReplayTensors":
        models = pool.ids
        n, m = len(prompt_ids), len(models)
        score, cost, out_tokens = np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, m))
        answer = np.full((n, m), -1, dtype=np.int64)
        for i, pid in enumerate(prompt_ids):
            for j, model in enumerate(models):
                o = world.outcome(pid, model)
                if o is None:
                    raise KeyError(f"no recorded outcome for prompt '{pid}' and model '{model}'")
                score[i, j], cost[i, j], out_tokens[i, j] = o.score, o.cost_usd, o.output_tokens
            answer[i] = answer_ids([extract_answer(world.response(pid, model) or "") for model in models])
        p = world.prompts.set_index("prompt_id")
        return cls(
            list(prompt_ids), list(p.loc[prompt_ids, "task"]), models,
            torch.tensor(embed(list(p.loc[prompt_ids, "question"]))),
            torch.tensor(score, dtype=torch.float32), torch.tensor(cost, dtype=torch.float32),
            torch.tensor(answer), torch.tensor(out_tokens, dtype=torch.float32),
            torch.tensor([spec.reference_price for spec in pool], dtype=torch.float32),
        )

    def difficulty(self) -> torch.Tensor:
        """[N] share of pool models that got the prompt wrong (train-split labels; for the curriculum)."""
        return 1.0 - (self.score >= 1.0).float().mean(1)
