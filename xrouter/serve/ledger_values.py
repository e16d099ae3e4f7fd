"""The ledger's values, apart from its database: the refusals a reservation raises, a key's public record, the
calendar periods budgets reset on, and the checks that money amounts and call rows pass before anything is
stored (bad input is refused naming the field; nothing is written)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from xrouter.serve.ledger_sql import EPOCH
from xrouter.serve.ledger_url import PERIODS


class BudgetExceeded(Exception):
    """A reservation that the key's budget cannot cover (nothing was reserved)."""

    def __init__(self, key_id: str, budget_usd: float, spent_usd: float, needed_usd: float,
                 reserved_usd: float = 0.0) -> None:
        self.key_id, self.budget_usd, self.spent_usd = key_id, budget_usd, spent_usd
        self.needed_usd, self.reserved_usd = needed_usd, reserved_usd
        super().__init__(
            f"key {key_id}: budget ${budget_usd:g} exceeded: spent ${spent_usd:.6f} this period, "
            f"${reserved_usd:.6f} reserved by running calls, ${needed_usd:.6f} needed"
        )


class KeyDisabled(BudgetExceeded):
    """A reservation for a disabled key (a key disabled while its request was running)."""

    def __init__(self, key_id: str, needed_usd: float) -> None:
        super().__init__(key_id, 0.0, 0.0, needed_usd)
        self.args = (f"key {key_id} is disabled: nothing can be reserved (${needed_usd:.6f} needed)",)


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    budget_usd: float | None  # None: unlimited
    period: str  # day | week | month | never
    disabled: bool


def period_start(period: str, now: datetime) -> datetime:
    """The start (naive UTC) of the calendar period containing `now` (naive UTC)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "never":
        return EPOCH
    raise ValueError(f"period must be one of {', '.join(PERIODS)} (got {period!r})")


def hash_secret(secret: str) -> str:
    """sha256 of a key's secret (secrets are 256-bit random, so a fast hash suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def money(field: str, value: Any, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{field} must be a finite number of USD >= 0 (got {value!r})")
    return float(value)


def check_period(value: str) -> str:
    if value not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} (got {value!r})")
    return value


def key_info(row: Any) -> KeyInfo:
    return KeyInfo(row.id, row.name, row.budget_usd, row.period, bool(row.disabled))


def call_row(call: dict) -> dict:
    """The `calls` columns of a call_history entry (or of a dict already using the column names)."""
    if not isinstance(call, dict):
        raise TypeError(f"call must be a dict (got {type(call).__name__})")
    tokens = call.get("tokens_used") or {}
    cost = call.get("cost_usd", call.get("cost"))
    row = {
        "call_id": call.get("call_id"),
        "model": call.get("model", call.get("model_id")),
        "requested_model": call.get("requested_model"),
        "backend": call.get("backend"),
        "input_tokens": int(call.get("input_tokens", tokens.get("prompt", 0)) or 0),
        "output_tokens": int(call.get("output_tokens", tokens.get("completion", 0)) or 0),
        "cost_usd": money("call cost_usd", cost),
        "simulated": bool(call.get("simulated", False)),
        "latency_s": call.get("latency_s", call.get("latency")),
        "attempts": call.get("attempts"),
        "cached": bool(call.get("cached", False)),
        "error": call.get("error"),
    }
    if row["input_tokens"] < 0 or row["output_tokens"] < 0:
        raise ValueError(f"call tokens must be >= 0 (got {row['input_tokens']}, {row['output_tokens']})")
    return row
