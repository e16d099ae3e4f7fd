"""Dense tensors of a replay split for the vectorized simulator: per (prompt, model) the recorded grade and
cost (for the reward only), the id of the response's extracted final answer and its output tokens (what the
router may observe), and the prompts' MiniLM embeddings. With a correctness verifier (`verifier.py`) the
tensors also carry its estimates: `prior` (from the prompt alone) and `post` (once the response is seen),
cross-fitted on the split a router trains on and fitted on all of it for any other split."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

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


ROW_TENSORS = ("emb", "score", "cost", "answer", "out_tokens", "prior", "post")


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
    prior: torch.Tensor | None = None  # [N, M] verifier's P(correct) from the prompt alone
    post: torch.Tensor | None = None  # [N, M] verifier's P(correct) once the response is seen

    @classmethod
    def build(cls, world: ReplayWorld, prompt_ids: list[str], pool: ModelPool) -> ReplayTensors:
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

    def rows(self, idx) -> ReplayTensors:
        """The rows `idx` (a sequence of prompt indices), same models and prices."""
        t = torch.as_tensor(idx, dtype=torch.long)
        per_row = {f.name: getattr(self, f.name)[t] for f in fields(self)
                   if f.name in ROW_TENSORS and getattr(self, f.name) is not None}
        return replace(self, prompt_ids=[self.prompt_ids[i] for i in t.tolist()],
                       tasks=[self.tasks[i] for i in t.tolist()], **per_row)

    def cat(self, other: ReplayTensors) -> ReplayTensors:
        """These rows, then `other`'s (same pool; estimates kept only when both carry them)."""
        if self.models != other.models:
            raise ValueError("cannot join replay tensors of different pools")
        joined = {}
        for name in ROW_TENSORS:
            a, b = getattr(self, name), getattr(other, name)
            joined[name] = None if a is None or b is None else torch.cat([a, b])
        return replace(self, prompt_ids=self.prompt_ids + other.prompt_ids, tasks=self.tasks + other.tasks, **joined)

    def difficulty(self) -> torch.Tensor:
        """[N] share of pool models that got the prompt wrong (train-split labels; for the curriculum)."""
        return 1.0 - (self.score >= 1.0).float().mean(1)
