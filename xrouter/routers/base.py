"""The router interface shared by baselines and trained policies, and small helpers to build actions."""

from __future__ import annotations

from xrouter.env.types import Action, CallModels, ModelCall, Observation, Router, SelectResponse
from xrouter.pool import tool_name


__all__ = ["FixedChoiceRouter", "Router", "RoutingError", "SingleModelRouter", "call", "select"]


class RoutingError(ValueError):
    """A router was configured with something it cannot use (unknown model, bad threshold, ...)."""


def call(*models: str, system_prompt: str = "") -> CallModels:
    return CallModels(tuple(ModelCall(m, system_prompt) for m in models))


def select(model: str) -> SelectResponse:
    return SelectResponse(tool_name(model))


class FixedChoiceRouter:
    """Calls one model chosen by `choose(obs)` on the first turn, then returns its answer."""

    name = "fixed"

    def choose(self, obs: Observation) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def act(self, obs: Observation) -> Action:
        if not obs.responses:
            return call(self.choose(obs))
        return SelectResponse(obs.responses[-1].call_name)


class SingleModelRouter(FixedChoiceRouter):
    def __init__(self, model: str) -> None:
        self.model = model
        self.name = f"single:{model}"

    def choose(self, obs: Observation) -> str:
        return self.model
