"""`router_metadata`, `call_history` entries and `usage`: what every response says about its routing.

The fields follow the original xRouter server: `model_used`, `total_cost` (= `router_cost` +
`target_models_cost`), `total_time`, `routing_strategy`, `turns_used`, `lambda` and `call_history`
entries {call_id, function_name, model_id, arguments, response, cost, tokens_used, latency, backend,
requested_model, attempts, cached, error}; plus `explanation` (per turn: the action taken and its strongest
alternatives), `source` and `cost_simulated` (true when a stand-in wrote any answer). `usage` counts every
token the request paid for: all target calls' prompt and completion tokens, and the router's own.
"""

from __future__ import annotations

from typing import Any

from xrouter.backends.base import Completion
from xrouter.env.types import EpisodeResult, ModelCall
from xrouter.pool import ModelSpec


def call_entry(call_id: str, spec: ModelSpec, call: ModelCall, outcome: Completion | str) -> dict[str, Any]:
    args = {"optimized_system_prompt": call.system_prompt, "temperature": call.temperature}
    if isinstance(outcome, str):
        return {"call_id": call_id, "function_name": spec.tool, "model_id": spec.id, "arguments": args,
                "response": None, "cost": 0.0, "tokens_used": {"prompt": 0, "completion": 0, "total": 0},
                "latency": 0.0, "backend": None, "requested_model": spec.id, "attempts": None, "cached": False,
                "error": outcome}
    c = outcome
    return {
        "call_id": call_id, "function_name": spec.tool, "model_id": c.model, "arguments": args,
        "response": c.text, "cost": float(c.cost_usd),
        "tokens_used": {"prompt": c.input_tokens, "completion": c.output_tokens,
                        "total": c.input_tokens + c.output_tokens},
        "latency": round(float(c.latency_s), 6), "backend": c.backend,
        "requested_model": c.extra.get("requested_model", spec.id), "attempts": c.extra.get("attempts", 1),
        "cached": bool(c.cached), "error": None,
        **({"simulated": True} if c.extra.get("simulated") else {}),
    }


CALL_KEYS = ("call_id", "function_name", "model_id", "arguments", "response", "cost", "tokens_used", "latency",
             "backend", "requested_model", "attempts", "cached", "error")


def router_metadata(result: EpisodeResult, calls: list[dict], *, lam: float, total_time: float, router_cost: float,
                    explanation: list[dict], source: str, request_id: str) -> dict[str, Any]:
    target = sum(c["cost"] for c in calls)
    return {
        "model_used": result.final_model,
        "total_cost": router_cost + target,
        "router_cost": router_cost,
        "target_models_cost": target,
        "total_time": round(total_time, 6),
        "routing_strategy": result.routing_strategy,
        "turns_used": result.turns,
        "lambda": lam,
        "call_history": [{k: c[k] for k in CALL_KEYS} for c in calls],
        "explanation": explanation,
        "source": source,
        "cost_simulated": any(c.get("simulated") for c in calls),
        "request_id": request_id,
    }


def usage(calls: list[dict], router_tokens: tuple[int, int] = (0, 0)) -> dict[str, int]:
    prompt = sum(c["tokens_used"]["prompt"] for c in calls) + router_tokens[0]
    completion = sum(c["tokens_used"]["completion"] for c in calls) + router_tokens[1]
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
