"""`params.yaml: evaluate` and `gate`, typed and validated (errors name the field)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xrouter.env.reward import check_lambda

BACKENDS = ("replay", "litellm", "local", "reference")


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvaluateParams(_Block):
    items: Literal["replay", "benchmarks"] = Field(
        "replay", description="replay: the replay prompts of `split`, graded by their recorded grades; benchmarks: "
                              "the 17 benchmarks' items, graded by xrouter.graders (needs a backend that answers "
                              "any prompt).")
    split: Literal["train", "val", "test"] = "test"
    backend: Literal["replay", "litellm", "local", "reference"] = "replay"
    policies: list[str] = Field(
        default_factory=lambda: ["router", "cascade", "mf", "knn", "random", "oracle"],
        description="router (the trained router in models/router; skipped while none exists), a baseline name, "
                    "or single:<model>.")
    singles: Literal["all", "none"] | list[str] = Field(
        "all", description="Single-model references: every pool model, none, or a list. The gate compares "
                           "against the most accurate of them.")
    lam: float | Literal["router"] = Field(
        "router", description="The run's λ (every policy runs at it; routers that read λ route by it): a number, or "
                              "'router': the λ the trained router ships at (its card's `operating_lambda`, chosen "
                              "on held-out data). A number must lie in the trained router's λ range.")
    benchmarks: list[str] | None = Field(None, description="benchmarks items only: which (None: all 17).")
    limit_per_benchmark: int | None = Field(None, ge=1, description="benchmarks items only: a seeded sample.")
    seed: int = 0
    concurrency: int = Field(1, ge=1, description="Parallel episodes: replay is CPU-bound in one process (1); "
                                                  "live backends want ~8.")
    retries: int = Field(2, ge=0)
    backoff_s: float = Field(1.0, ge=0)
    cache_dir: str = Field(".cache/responses", description="Content-addressed response cache ('' disables it).")
    local_max_new_tokens: int = Field(256, ge=1, description="backend local: generation budget per call.")

    @field_validator("lam")
    @classmethod
    def _lam(cls, v: float | str) -> float | str:
        return v if isinstance(v, str) else check_lambda(v, what="lam")

    @model_validator(mode="after")
    def _consistent(self) -> EvaluateParams:
        if (self.items == "replay") != (self.backend == "replay"):
            raise ValueError(f"items={self.items!r} with backend={self.backend!r}: replay items are answered only "
                             "by the replay backend, and the replay backend answers only replay items")
        return self


class Threshold(_Block):
    min_accuracy_vs_best_single: float | None = Field(
        None, description="accuracy >= best single model's accuracy + this (e.g. -0.005: within 0.5 points).")
    max_cost_vs_best_single: float | None = Field(
        None, gt=0, description="cost per 1k <= this × the best single model's cost per 1k.")
    max_cost_per_1k: float | None = Field(None, gt=0, description="cost per 1k queries <= this (USD).")


class GateParams(_Block):
    policy: str = Field("router", description="The policy that must pass (the trained router).")
    overall: Threshold = Threshold(min_accuracy_vs_best_single=-0.005, max_cost_vs_best_single=0.7,
                                   max_cost_per_1k=5.0)
    families: dict[str, Threshold] = Field(
        default_factory=lambda: {f: Threshold(min_accuracy_vs_best_single=-0.02) for f in (
            "math", "code_reasoning", "code", "science", "reasoning", "logic", "instruction_following")},
        description="Per benchmark family (domain).")
    max_error_rate: float = Field(0.0, ge=0, le=1, description="Share of items whose episode failed.")
    missing_family: Literal["skip", "fail"] = Field(
        "skip", description="A family with thresholds but no evaluated items: reported and skipped, or failed.")
