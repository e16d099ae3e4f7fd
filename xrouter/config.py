"""`params.yaml`, typed: one root model that declares every block, validated when loaded.

Every block has its model beside the code it configures (`data.config`, `env.config`, `rl.config`,
`evaluate.config`, `tracking`), and this root names them all, so a misspelt block or key is refused at load
with its name. params.yaml is the source of the pipeline's values; each model's defaults are the same values
(tests/test_config.py holds them equal). Relative paths in params are resolved against the directory that
holds `params.yaml`, so stages behave the same whatever the working directory.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xrouter.data.config import PrepareParams, ValidateParams
from xrouter.env.config import EnvParams
from xrouter.evaluate.config import EvaluateParams, GateParams
from xrouter.evaluate.regression import NightlyParams
from xrouter.rl.config import SweepParams, TrainParams
from xrouter.serve.config import ServeParams


class ParamsError(ValueError):
    """params.yaml is missing, malformed, or a value is out of range; the message names the field."""


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataParams(_Block):
    bundle: Path = Field(description="Shared data bundle read in place (../shared/data here).")


class PathsParams(_Block):
    """Every output of the pipeline, relative to the project root, named once: dvc.yaml declares them as
    `${paths.<name>}` and the stages write them through these fields. All are DVC outputs and git-ignored."""

    data: Path = Path("data")  # the prepared tables (data/*.parquet)
    models: Path = Path("models")
    metrics: Path = Path("metrics")
    reports: Path = Path("reports")
    data_docs: Path = Path("reports/data_docs")  # Great Expectations Data Docs
    data_validation: Path = Path("metrics/data_validation.json")
    router: Path = Path("models/router")  # the trained router folder (its card: routers/card.py)
    train_metrics: Path = Path("metrics/train.json")
    eval_metrics: Path = Path("metrics/eval.json")
    eval_report: Path = Path("reports/eval.md")
    eval_plot: Path = Path("reports/eval.png")
    eval_records: Path = Path("reports/eval_records")
    gate_metrics: Path = Path("metrics/gate.json")
    bento: Path = Path("models/bento")  # the packaged service: bento.json (tag) + xrouter.bento (xrouter.serve.bento)


class MlflowParams(_Block):
    """The `mlflow` block: where runs and the registered router go (used by `xrouter.tracking`)."""

    tracking_uri: str = Field("sqlite:///mlflow.db", description="Relative SQLite paths resolve in the project root.")
    experiment: str = "xrouter"
    registered_model: str = "xrouter-router"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    root: Path
    data: DataParams
    paths: PathsParams = PathsParams()
    prepare: PrepareParams = PrepareParams()
    validate_: ValidateParams = Field(ValidateParams(), alias="validate")
    env: EnvParams = EnvParams()
    mlflow: MlflowParams = MlflowParams()
    train: TrainParams = TrainParams()
    evaluate: EvaluateParams = EvaluateParams()
    gate: GateParams = GateParams()
    sweep: SweepParams = SweepParams()
    serve: ServeParams = ServeParams()
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

    @property
    def router_dir(self) -> Path:
        return self.path(self.paths.router)


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml; errors name the file and the offending field (unknown keys included)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ParamsError(f"{path}: not found")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: top level must be a mapping of blocks")
    if "root" in raw:
        raise ParamsError(f"{path}: 'root' is not a params block (it is where params.yaml lives)")
    try:
        return Params(root=path.parent, **raw)
    except ValidationError as err:
        raise ParamsError(f"{path}: {describe(err)}") from err


def describe(err: ValidationError) -> str:
    """Every problem of a validation error as `block.key: message`, unknown keys named as such."""
    out = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"] if x != "validate_") or "(top level)"
        msg = "unknown key (not a setting of this block)" if e["type"] == "extra_forbidden" else e["msg"]
        out.append(f"{loc}: {msg}")
    return "; ".join(out)
