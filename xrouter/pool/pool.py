"""`ModelSpec` and `ModelPool`, and `load_pool(name, prices=...)` reading `pools.yaml`.

Replay pools (`zeroeval`, `llmrouter`) are priced from the price catalog (the prepared `prices` table); the
live pool from LiteLLM's bundled cost map. A model without a price is an error, never a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterator

import pandas as pd
import yaml

from xrouter.data.prices import litellm_cost_map, token_cost_usd

TIERS = ("premium", "standard", "budget", "specialized")
LIVE_POOLS = ("live",)


class PoolError(ValueError):
    """A pool is unknown, or one of its models is unpriced or malformed; the message names it."""


def tool_name(model_id: str) -> str:
    """The router's tool for a model: `call_<id>` with '-' and '.' (and any other non-identifier char) as '_'."""
    return "call_" + re.sub(r"[^0-9A-Za-z_]", "_", model_id)


@dataclass(frozen=True)
class ModelSpec:
    id: str
    litellm_model: str
    tier: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    output_token_multiplier: float
    context_tokens: int | None
    strengths: str

    @property
    def tool(self) -> str:
        return tool_name(self.id)

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        return token_cost_usd(self.input_usd_per_mtok, self.output_usd_per_mtok, self.output_token_multiplier,
                              input_tokens, output_tokens)

    @property
    def reference_price(self) -> float:
        """USD of a call with 1,000 input and 1,000 output tokens: the one proxy for "how expensive is this
        model" (ordering the pool, the fallback answer's "priciest model that answered", the embedded router's
        price feature)."""
        return self.cost_usd(1000, 1000)


@dataclass(frozen=True)
class ModelPool:
    name: str
    models: tuple[ModelSpec, ...]

    def __post_init__(self) -> None:
        tools = [m.tool for m in self.models]
        dup = sorted({t for t in tools if tools.count(t) > 1})
        if dup:
            raise PoolError(f"pool '{self.name}': models map to the same tool name: {dup}")

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.models]

    def get(self, model_id: str) -> ModelSpec:
        for m in self.models:
            if m.id == model_id:
                return m
        raise PoolError(f"model '{model_id}' is not in pool '{self.name}'; models: {self.ids}")

    def by_tool(self, tool: str) -> ModelSpec:
        for m in self.models:
            if m.tool == tool:
                return m
        raise PoolError(f"no model behind tool '{tool}' in pool '{self.name}'")

    def resolve(self, name: str) -> ModelSpec:
        """A pool model by its id or its tool name (`call_<id>`), as a router may name it in a call."""
        return self.by_tool(name) if name.startswith("call_") else self.get(name)

    def by_price(self) -> list[ModelSpec]:
        """Cheapest first (by the price of 1k input + 1k output tokens)."""
        return sorted(self.models, key=lambda m: m.reference_price)

    def subset(self, model_ids: list[str]) -> "ModelPool":
        return ModelPool(self.name, tuple(self.get(i) for i in model_ids))


def _pool_definitions() -> dict:
    return yaml.safe_load(resources.files("xrouter.pool").joinpath("pools.yaml").read_text())


_ENTRY_KEYS = {"tier", "litellm", "context_tokens", "strengths"}


def available_pools() -> list[str]:
    return sorted(_pool_definitions())


def load_pool(name: str, prices: pd.DataFrame | None = None) -> ModelPool:
    """Build a pool; replay pools need the price catalog (`prices`), the live pool reads LiteLLM's map."""
    defs = _pool_definitions()
    if name not in defs:
        raise PoolError(f"unknown pool '{name}'; pools: {sorted(defs)}")
    if name not in LIVE_POOLS and prices is None:
        raise PoolError(f"pool '{name}' is priced from the price catalog: pass prices=")
    catalog = None if prices is None else prices.set_index("model")
    specs = []
    for model_id, entry in defs[name]["models"].items():
        unknown = sorted(set(entry) - _ENTRY_KEYS)
        if unknown:  # e.g. an unquoted `strengths: math, code` inside {...} parses `code` as a key
            raise PoolError(f"pools.yaml, pool '{name}', model '{model_id}': unknown keys {unknown} "
                            f"(allowed: {sorted(_ENTRY_KEYS)}; quote values that contain commas)")
        tier = entry.get("tier")
        if tier not in TIERS:
            raise PoolError(f"pool '{name}', model '{model_id}': tier must be one of {TIERS}, got {tier!r}")
        if name in LIVE_POOLS:
            pin, pout, mult, ctx = _litellm_price(model_id, entry["litellm"])
            ctx = entry.get("context_tokens", ctx)
        else:
            if model_id not in catalog.index:
                raise PoolError(f"pool '{name}', model '{model_id}': not in the price catalog")
            row = catalog.loc[model_id]
            pin, pout, mult = (float(row["input_usd_per_mtok"]), float(row["output_usd_per_mtok"]),
                               float(row["output_token_multiplier"]))
            ctx = entry.get("context_tokens")
        specs.append(ModelSpec(model_id, entry["litellm"], tier, pin, pout, mult, ctx, entry.get("strengths", "")))
    return ModelPool(name, tuple(specs))


def _litellm_price(model_id: str, key: str) -> tuple[float, float, float, int | None]:
    info = litellm_cost_map().get(key)
    if not info or info.get("input_cost_per_token") is None or info.get("output_cost_per_token") is None:
        raise PoolError(f"live pool, model '{model_id}': LiteLLM's cost map has no price for '{key}'")
    return (info["input_cost_per_token"] * 1e6, info["output_cost_per_token"] * 1e6, 1.0,
            info.get("max_input_tokens"))
