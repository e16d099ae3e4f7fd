"""Why the router did what it did, per turn: the action it took, its strongest alternatives with their
probabilities, and for a selected answer the evidence the router had that it is right.

A router explains itself through two optional methods (duck-typed, so any router can take part):

- `action_distribution(obs) -> {action: probability}`, keyed by the names the router's tools have
  (`call_<model>` per pool model, `select_response`): the embedded policy's softmax over the actions it may
  take, or the LLM router's probabilities of each tool name its constrained grammar allows;
- `agreeing_models(obs) -> [model ids]`: the called models that share the most common answer (the
  embedded router's ACCEPT relies on it).

A `correctness_estimate` is a probability that the selected answer is right, from a router that offers
`correctness_estimate(obs, call_name) -> float | None`: the embedded router with its correctness verifier
(the default since it was measured to help; xrouter/rl/embedded/verifier.py) gives the verifier's support of
the selected answer, counting every called model that gave the same answer; other routers give None. A
router with none of these methods gets no explanation (None).
"""

from __future__ import annotations

import math
from typing import Any

from xrouter.env.tools import SELECT_RESPONSE
from xrouter.env.types import Action, Answer, CallModels, Observation, SelectResponse
from xrouter.pool import tool_name

ALTERNATIVES = 3  # how many alternatives a turn lists, strongest first
ANSWER = "answer"  # the label of the router answering itself


def _label(action: Action) -> str:
    if isinstance(action, CallModels):
        name = action.calls[0].model if action.calls else ""
        return name if name.startswith("call_") else tool_name(name)
    if isinstance(action, SelectResponse):
        return SELECT_RESPONSE
    return ANSWER


def _finite(p: float) -> float | None:
    return round(float(p), 6) if math.isfinite(p) else None


def _selected(router: Any, obs: Observation, action: SelectResponse) -> dict:
    response = next((r for r in obs.responses if r.call_name == action.call_name), None)
    estimate = getattr(router, "correctness_estimate", None)
    agreeing = getattr(router, "agreeing_models", None)
    out: dict[str, Any] = {
        "call_name": action.call_name,
        "model": response.model if response else None,
        "correctness_estimate": None,
    }
    if callable(estimate):
        value = estimate(obs, action.call_name)
        out["correctness_estimate"] = None if value is None else _finite(value)
    if callable(agreeing):
        models = list(agreeing(obs))
        out["agreeing_models"] = models
        out["called_models"] = len({r.model for r in obs.responses})
    return out


def explain_turn(router: Any, obs: Observation, action: Action) -> dict | None:
    """The explanation of one turn, or None when the router cannot give one.

    Returns `{"action", "probability", "alternatives": [{"action", "probability"}...], "models"?,
    "selected"?}`: `action` is the tool name taken (`call_<model>` — the first call of a turn that calls
    several —, `select_response`, or `answer` for the router's own text), `probability` the router's
    probability of it, `alternatives` the strongest other actions (at most `ALTERNATIVES`), `models` the
    models a calling turn calls, and `selected` (a `select_response` turn) the call whose answer is returned,
    its model, `correctness_estimate` (None if the router used none) and, where the router relies on it, the
    models that agree with it.
    """
    distribution = getattr(router, "action_distribution", None)
    if not callable(distribution):
        return None
    probs = {str(k): float(v) for k, v in distribution(obs).items()}
    taken = _label(action)
    ranked = sorted(((k, p) for k, p in probs.items() if k != taken), key=lambda kv: -kv[1])
    why: dict[str, Any] = {
        "action": taken,
        "probability": _finite(probs[taken]) if taken in probs else None,
        "alternatives": [{"action": k, "probability": _finite(p)} for k, p in ranked[:ALTERNATIVES]],
    }
    if isinstance(action, CallModels):
        why["models"] = [c.model for c in action.calls]
    elif isinstance(action, SelectResponse):
        why["selected"] = _selected(router, obs, action)
    elif isinstance(action, Answer):
        why["selected"] = None
    return why
