"""`router_metadata`, `call_history` entries and `usage`: what every response says about its routing.

The fields follow the original xRouter server: `model_used`, `total_cost` (= `router_cost` +
`target_models_cost`), `total_time`, `routing_strategy`, `turns_used`, `lambda` and `call_history`
entries {call_id, function_name, model_id, arguments, response, cost, tokens_used, latency, backend,
requested_model, attempts, cached, error} — one per `CallRecord` of the episode; plus `explanation` (per
turn: the action taken and its strongest alternatives), `source`, `cost_simulated` (true when a stand-in
wrote any answer) and `request_id`. `usage` counts every token the request paid for: all target calls'
prompt and completion tokens, and the router's own.
"""

from __future__ import annotations

from typing import Any

from xrouter.env.types import CallRecord, EpisodeResult
from xrouter.pool import tool_name
from xrouter.serve.sources import STANDIN

CALL_KEYS = ("call_id", "function_name", "model_id", "arguments", "response", "cost", "tokens_used", "latency",
             "backend", "requested_model", "attempts", "cached", "error")


def history_entry(r: CallRecord) -> dict[str, Any]:
    """One `call_history` entry (also the ledger's call row: `Ledger.settle` reads these keys)."""
    requested = r.requested_model or r.model
    return {
        "call_id": r.call_name, "function_name": tool_name(requested), "model_id": r.model,
        "arguments": dict(r.arguments), "response": None if r.error else r.text, "cost": float(r.cost_usd),
        "tokens_used": {"prompt": r.input_tokens, "completion": r.output_tokens,
                        "total": r.input_tokens + r.output_tokens},
        "latency": round(float(r.latency_s), 6), "backend": r.backend or None, "requested_model": requested,
        "attempts": r.attempts, "cached": bool(r.cached), "error": r.error,
        "simulated": r.backend == STANDIN,
    }


def router_metadata(result: EpisodeResult, *, lam: float, total_time: float, router_cost: float,
                    explanation: list[dict], source: str, request_id: str) -> dict[str, Any]:
    calls = [history_entry(r) for r in result.calls]
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
        "cost_simulated": any(c["simulated"] for c in calls),
        "request_id": request_id,
    }


def usage(result: EpisodeResult, router_tokens: tuple[int, int] = (0, 0)) -> dict[str, int]:
    prompt = sum(r.input_tokens for r in result.calls) + router_tokens[0]
    completion = sum(r.output_tokens for r in result.calls) + router_tokens[1]
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
