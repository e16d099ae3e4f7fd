"""Typed views of `params.yaml`: one pydantic model per block, validated when loaded.

Each DVC stage reads only the blocks it declares in `dvc.yaml`; `load_params` reads the file once and a stage
picks its block (`load_params().prepare`). Relative paths in params are resolved against the directory that
holds `params.yaml`, so stages behave the same whatever the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xrouter.evaluate.regression import NightlyParams


M = TypeVar("M", bound=BaseModel)


class ParamsError(ValueError):
    """params.yaml is missing, malformed, or a value is out of range; the message names the field."""


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataParams(_Block):
    bundle: Path = Field(description="Shared data bundle read in place (default ../shared/data).")


class PathsParams(_Block):
    """Output folders, relative to the project root; each is a DVC output and git-ignored."""

    data: Path = Path("data")
    models: Path = Path("models")
    metrics: Path = Path("metrics")
    reports: Path = Path("reports")


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
    data_docs_dir: Path = Path("reports/data_docs")
    example_rows: int = Field(5, ge=1, description="Failing rows quoted per failed expectation.")


class Params(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    root: Path
    data: DataParams
    paths: PathsParams = PathsParams()
    prepare: PrepareParams = PrepareParams()
    validate_: ValidateParams = Field(ValidateParams(), alias="validate")
    nightly: NightlyParams = NightlyParams()

    @model_validator(mode="after")
    def _resolve(self) -> "Params":
        bundle = self.data.bundle if self.data.bundle.is_absolute() else (self.root / self.data.bundle)
        object.__setattr__(self.data, "bundle", bundle.resolve())
        return self

    def path(self, relative: str | Path) -> Path:
        """A project path (an output or report) resolved against the project root."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def block(self, name: str) -> Any:
        """The raw dict of a block modelled elsewhere (stages parse theirs with `parse`)."""
        extra = self.model_extra or {}
        if name not in extra:
            raise ParamsError(f"{self.root / 'params.yaml'}: no block '{name}'")
        return extra[name]

    def parse(self, name: str, model: type[M]) -> M:
        """Validate block `name` with a stage's own pydantic model; errors name the file and the field."""
        try:
            return model.model_validate(self.block(name))
        except ValidationError as err:
            problems = "; ".join(f"{name}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            raise ParamsError(f"{self.root / 'params.yaml'}: {problems}") from err


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml; errors name the file and the offending field."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ParamsError(f"{path}: not found")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: top level must be a mapping of blocks")
    try:
        return Params(root=path.parent, **raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise ParamsError(f"{path}: {problems}") from err
