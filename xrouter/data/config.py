"""The `prepare` and `validate` blocks of params.yaml: how a bundle becomes the prepared tables."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrepareParams(_Block):
    seed: int = 20251009
    split_fractions: dict[str, float] = Field(default_factory=lambda: {"train": 0.6, "val": 0.2, "test": 0.2})
    chars_per_token: float = Field(4.0, gt=0, description="ZeroEval records characters only: tokens ≈ chars / this.")
    llmrouter_assumed_output_tokens: int = Field(
        256, gt=0, description="LLMRouter records no response lengths: output tokens assumed per call."
    )
    llmrouter_correct_min_score: float = Field(
        1.0, gt=0, le=1, description="An LLMRouter score at or above this counts as correct (full credit by default)."
    )

    @field_validator("split_fractions")
    @classmethod
    def _fractions(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"train", "val", "test"}:
            raise ValueError(f"needs exactly the keys train, val, test; got {sorted(v)}")
        if any(f < 0 for f in v.values()) or abs(sum(v.values()) - 1.0) > 1e-9:
            raise ValueError(f"fractions must be non-negative and sum to 1; got {v}")
        return v


class ValidateParams(_Block):
    example_rows: int = Field(5, ge=1, description="Failing rows quoted per failed expectation.")
