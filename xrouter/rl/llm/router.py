"""The trained LLM router as an ordinary `Router` (greedy replies), and its folder: `model/` (weights and
tokenizer, `save_pretrained`) and `router.json` (kind `llm`, pool models, prefill, generation settings)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from xrouter.env.tools import SELECT_RESPONSE
from xrouter.env.types import Action, Observation
from xrouter.models.loading import load_causal_lm
from xrouter.pool import ModelPool
from xrouter.rl.config import LLMTrainConfig
from xrouter.rl.llm.chat import episode_messages, grammar_for, grammars, parse_reply, tool_completions
from xrouter.rl.llm.policy import LLMPolicy
from xrouter.routers.base import RoutingError
from xrouter.routers.card import RouterCard, read_card, write_card


class LLMRouter:
    def __init__(self, policy: LLMPolicy, pool: ModelPool, response_chars: int = 300) -> None:
        self.policy, self.pool, self.response_chars = policy, pool, response_chars
        self.name = "llm-router"

    def act(self, obs: Observation) -> Action:
        grammar = [grammar_for(obs)] if self.policy.tries else None
        turn = self.policy.generate([episode_messages(obs, self.pool, self.response_chars)], greedy=True,
                                    grammar=grammar)[0]
        return parse_reply(turn.text, obs, self.pool)[0]

    def action_distribution(self, obs: Observation) -> dict[str, float]:
        """The probability of each tool the router may name now (`call_<model>`, and `select_response` once
        there is a response), by the policy's scores of the grammar's completions after the prefill: the
        distribution `act` decides from (constrained decoding; unconstrained, the tool names' share of it)."""
        select = bool(obs.responses)
        names = [m.tool for m in self.pool] + ([SELECT_RESPONSE] if select else [])
        grammar = grammar_for(obs) if self.policy.tries else None
        logps = self.policy.completion_logprobs(episode_messages(obs, self.pool, self.response_chars),
                                                tool_completions(self.pool, select=select), grammar)
        return {n: math.exp(lp) for n, lp in zip(names, logps)}


def llm_router_card(cfg: LLMTrainConfig, pool: str, models: list[str], reward: dict[str, Any],
                    training: dict[str, Any] | None = None, operating_lambda: float | None = None) -> RouterCard:
    """The card of an LLM router trained with `cfg`: the one place that says which settings its `spec` holds
    (`load_llm_router` reads them back)."""
    spec = {"base_model": cfg.base_model, "prefill": cfg.prefill, "temperature": cfg.temperature,
            "max_new_tokens": cfg.max_new_tokens, "response_chars": cfg.response_chars,
            "constrained": cfg.constrained}
    return RouterCard("llm", pool, list(models), tuple(cfg.lambda_range), reward, training or {}, operating_lambda,
                      spec)


def save_llm_router(policy: LLMPolicy, card: RouterCard, path: Path) -> None:
    """Weights and tokenizer in `path/model`, the card (`llm_router_card`) beside them."""
    path.mkdir(parents=True, exist_ok=True)
    policy.model.save_pretrained(path / "model")
    policy.tokenizer.save_pretrained(path / "model")
    write_card(card, path)


def load_llm_router(path: Path, pool: ModelPool, device: str = "cpu", dtype: Any = None) -> LLMRouter:
    from transformers import AutoTokenizer  # noqa: PLC0415

    card = read_card(path)
    spec = card.spec
    if card.kind != "llm":
        raise RoutingError(f"{path}: router kind '{card.kind}' is not an LLM router")
    if not set(card.models) <= set(pool.ids):
        missing = sorted(set(card.models) - set(pool.ids))
        raise RoutingError(f"{path}: router trained on models {card.models}; {missing} not in pool '{pool.name}'")
    model = load_causal_lm(Path(path) / "model", dtype=dtype).to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(Path(path) / "model")
    sub = pool.subset(list(card.models))  # in the card's order: the tool list reads as it did in training
    policy = LLMPolicy(model, tokenizer, spec["prefill"], spec["temperature"], spec["max_new_tokens"],
                       grammars=grammars(sub) if spec["constrained"] else None)
    return LLMRouter(policy, sub, spec["response_chars"])
