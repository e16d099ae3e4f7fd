"""`EmbeddedRouter`: the trained embedded policy acting in an ordinary `RoutingEnv` episode (greedy), plus
saving and loading it as a folder (`models/router/`: `policy.pt` + `router.json`)."""

from __future__ import annotations

import threading
from pathlib import Path

import torch

from xrouter.embeddings import embed
from xrouter.env.tools import SELECT_RESPONSE
from xrouter.env.types import Action, CallModels, ModelCall, Observation, SelectResponse
from xrouter.pool import ModelPool
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors, answer_ids
from xrouter.rl.embedded.state import BatchState, accepted_model, agreement, features, support, valid_actions
from xrouter.rl.embedded.verifier import Verifier
from xrouter.routers.answers import extract_answer
from xrouter.routers.base import RoutingError
from xrouter.routers.card import RouterCard, read_card, write_card

POLICY_FILE = "policy.pt"


class EmbeddedRouter:
    def __init__(self, policy: EmbeddedPolicy, pool: ModelPool, card: RouterCard,
                 verifier: Verifier | None = None) -> None:
        if list(pool.ids) != list(card.models):
            raise RoutingError(f"router trained on pool models {card.models}, got {pool.ids}")
        if policy.verifier and verifier is None:
            raise RoutingError("this router's policy reads a correctness verifier, and none was given")
        self.policy, self.pool, self.card, self.verifier = policy.eval(), pool, card, verifier
        self.price = torch.tensor([m.reference_price for m in pool], dtype=torch.float32)
        self._emb: dict[str, torch.Tensor] = {}
        self._last = threading.local()  # (obs, state, logits) of the thread's last observation
        self.name = f"embedded-router({card.pool})"

    def tensors(self, data: ReplayTensors) -> ReplayTensors:
        """Replay tensors as this router's policy reads them: with its verifier's estimates when it has one."""
        return data if self.verifier is None else self.verifier.estimates(data)

    def warm(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self._emb]
        if todo:
            for t, v in zip(todo, torch.tensor(embed(todo))):
                self._emb[t] = v

    def _state(self, obs: Observation) -> BatchState:
        lam = torch.tensor([obs.lam], dtype=torch.float32)
        if self.verifier is None:
            s = BatchState.empty(1, len(self.pool), lam)
        else:
            s = BatchState.empty(1, len(self.pool), lam, self.verifier.prior(self._embedding(obs)), self.policy.select)
        ids = answer_ids([extract_answer(r.text) if r.error is None else None for r in obs.responses])
        for r, aid in zip(obs.responses, ids):
            j = self.pool.ids.index(r.model)
            s.called[0, j] = True
            s.answer[0, j] = aid
            s.out_tokens[0, j] = r.output_tokens
            s.spent[0] += r.cost_usd
        s.turn[0] = obs.turn - 1
        if self.verifier is not None and obs.responses:
            post = self.verifier.post(self._embedding(obs), s.out_tokens, s.answer >= 0)
            s.est = torch.where(s.called, post, torch.zeros_like(post))
        return s

    def _embedding(self, obs: Observation) -> torch.Tensor:
        """[1, D] the query's embedding (cached)."""
        if obs.query.text not in self._emb:
            self.warm([obs.query.text])
        return self._emb[obs.query.text].unsqueeze(0)

    @torch.no_grad()
    def _logits(self, obs: Observation) -> tuple[BatchState, torch.Tensor]:
        """The state and masked logits of `obs`; the last observation's are kept per thread, so explaining a
        turn (`action_distribution` right after `act`) costs no second forward pass."""
        last = getattr(self._last, "value", None)
        if last is not None and last[0] is obs:
            return last[1], last[2]
        s = self._state(obs)
        logits = self.policy(features(s, self._embedding(obs), self.price), valid_actions(s))[0]
        self._last.value = (obs, s, logits)
        return s, logits

    def action_distribution(self, obs: Observation) -> dict[str, float]:
        """The policy's probability of each action it may take now, by tool name (`call_<model>`, and
        `select_response` for ACCEPT); `act` takes the most probable one."""
        _, logits = self._logits(obs)
        probs = torch.softmax(logits, -1).tolist()
        names = [m.tool for m in self.pool] + [SELECT_RESPONSE]
        return {n: p for n, p, ok in zip(names, probs, torch.isfinite(logits).tolist()) if ok}

    def agreeing_models(self, obs: Observation) -> list[str]:
        """The called models that share the most common readable answer, when at least two agree (what ACCEPT
        relies on), else []."""
        s, _ = self._logits(obs)  # the state `act` just built for this observation
        _, members = agreement(s)
        return [m for m, keep in zip(self.pool.ids, members[0].tolist()) if keep]

    def correctness_estimate(self, obs: Observation, call_name: str) -> float | None:
        """The verifier's probability that the answer of `call_name` is right, counting the called models that
        gave the same answer (`state.support`); None without a verifier."""
        if self.verifier is None:
            return None
        s, _ = self._logits(obs)
        r = next((r for r in obs.responses if r.call_name == call_name), None)
        if r is None:
            return None
        return float(support(s)[0, self.pool.ids.index(r.model)])

    def act(self, obs: Observation) -> Action:
        s, logits = self._logits(obs)
        a = int(logits.argmax(-1))
        if a < len(self.pool):
            return CallModels((ModelCall(self.pool.ids[a]),))
        chosen = self.pool.ids[int(accepted_model(s, self.price))]
        name = next(r.call_name for r in reversed(obs.responses) if r.model == chosen)
        return SelectResponse(name)


def save_router(policy: EmbeddedPolicy, card: RouterCard, path: Path, verifier: Verifier | None = None) -> None:
    """`card.spec` holds the policy's sizes (embed_dim, hidden, embed_proj) and whether it reads a verifier
    (saved beside it) and which ACCEPT rule it uses."""
    path.mkdir(parents=True, exist_ok=True)
    torch.save(policy.state_dict(), path / POLICY_FILE)
    if verifier is not None:
        verifier.save(path)
    write_card(card, path)


def load_router(path: Path, pool: ModelPool) -> EmbeddedRouter:
    card = read_card(path)
    if card.kind != "embedded":
        raise RoutingError(f"{path}: router kind '{card.kind}' is not the embedded router")
    sizes = card.spec
    uses_verifier = bool(sizes.get("verifier", False))
    policy = EmbeddedPolicy(sizes["embed_dim"], len(card.models), sizes["hidden"], sizes["embed_proj"],
                            verifier=uses_verifier, select=sizes.get("select", "agreement"))
    policy.load_state_dict(torch.load(Path(path) / POLICY_FILE, weights_only=True))
    return EmbeddedRouter(policy, pool, card, Verifier.load(path) if uses_verifier else None)
