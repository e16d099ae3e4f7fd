"""`EmbeddedRouter`: the trained embedded policy acting in an ordinary `RoutingEnv` episode (greedy), plus
saving and loading it as a folder (`models/router/`: `policy.pt` + `router.json`)."""

from __future__ import annotations

from pathlib import Path

import torch

from xrouter.embeddings import embed
from xrouter.env.types import Action, CallModels, ModelCall, Observation, SelectResponse
from xrouter.pool import ModelPool
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import answer_ids
from xrouter.rl.embedded.state import BatchState, accepted_model, features, valid_actions
from xrouter.routers.answers import extract_answer
from xrouter.routers.base import RoutingError
from xrouter.routers.card import RouterCard, read_card, write_card

POLICY_FILE = "policy.pt"


class EmbeddedRouter:
    def __init__(self, policy: EmbeddedPolicy, pool: ModelPool, card: RouterCard) -> None:
        if list(pool.ids) != list(card.models):
            raise RoutingError(f"router trained on pool models {card.models}, got {pool.ids}")
        self.policy, self.pool, self.card = policy.eval(), pool, card
        self.price = torch.tensor([m.reference_price for m in pool], dtype=torch.float32)
        self._emb: dict[str, torch.Tensor] = {}
        self.name = f"embedded-router({card.pool})"

    def warm(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self._emb]
        if todo:
            for t, v in zip(todo, torch.tensor(embed(todo))):
                self._emb[t] = v

    def _state(self, obs: Observation) -> BatchState:
        s = BatchState.empty(1, len(self.pool), torch.tensor([obs.lam], dtype=torch.float32))
        ids = answer_ids([extract_answer(r.text) if r.error is None else None for r in obs.responses])
        for r, aid in zip(obs.responses, ids):
            j = self.pool.ids.index(r.model)
            s.called[0, j] = True
            s.answer[0, j] = aid
            s.out_tokens[0, j] = r.output_tokens
            s.spent[0] += r.cost_usd
        s.turn[0] = obs.turn - 1
        return s

    @torch.no_grad()
    def act(self, obs: Observation) -> Action:
        if obs.query.text not in self._emb:
            self.warm([obs.query.text])
        s = self._state(obs)
        logits = self.policy(features(s, self._emb[obs.query.text].unsqueeze(0), self.price), valid_actions(s))
        a = int(logits.argmax(-1))
        if a < len(self.pool):
            return CallModels((ModelCall(self.pool.ids[a]),))
        chosen = self.pool.ids[int(accepted_model(s, self.price))]
        name = next(r.call_name for r in reversed(obs.responses) if r.model == chosen)
        return SelectResponse(name)


def save_router(policy: EmbeddedPolicy, card: RouterCard, path: Path) -> None:
    """`card.spec` holds the policy's sizes: embed_dim, hidden, embed_proj."""
    path.mkdir(parents=True, exist_ok=True)
    torch.save(policy.state_dict(), path / POLICY_FILE)
    write_card(card, path)


def load_router(path: Path, pool: ModelPool) -> EmbeddedRouter:
    card = read_card(path)
    if card.kind != "embedded":
        raise RoutingError(f"{path}: router kind '{card.kind}' is not the embedded router")
    sizes = card.spec
    policy = EmbeddedPolicy(sizes["embed_dim"], len(card.models), sizes["hidden"], sizes["embed_proj"])
    policy.load_state_dict(torch.load(Path(path) / POLICY_FILE, weights_only=True))
    return EmbeddedRouter(policy, pool, card)
