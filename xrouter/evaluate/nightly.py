"""The nightly evaluation of the shipped router: the latest version in the MLflow model registry, downloaded
and evaluated on the evaluation items (`params.yaml: evaluate`), compared with the last passing nightly run
(`params.yaml: nightly`), and recorded as a run of the nightly experiment whose `verdict` tag is `pass`,
`baseline` (the first run: nothing to compare with) or `regression`.

A regressed run never becomes the baseline: tomorrow's router is compared with the last one that passed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xrouter.env.config import EnvParams
from xrouter.evaluate.config import EvaluateParams
from xrouter.evaluate.regression import NightlyParams, Regression, compare, flat_metrics, reason
from xrouter.evaluate.run import evaluate
from xrouter.tracking import metric_names

POLICY = "router"
VERDICT_TAG = "verdict"


@dataclass
class Baseline:
    run_id: str
    model_version: str
    metrics: dict[str, float]


@dataclass
class NightlyResult:
    model: str
    version: str
    metrics: dict[str, float]
    summary: dict                      # the router's evaluation summary (overall / by_family / by_benchmark)
    lam: float
    n_items: int
    baseline: Baseline | None
    regressions: list[Regression] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.baseline is None:
            return "baseline"
        return "regression" if self.regressions else "pass"

    def message(self) -> str:
        subject = f"{self.model} v{self.version}"
        if self.baseline is None:
            return f"{subject}: first nightly run, recorded as the baseline"
        reference = f"the last passing nightly run {self.baseline.run_id} ({self.model} v{self.baseline.model_version})"
        if self.regressions:
            return reason(self.regressions, subject, reference)
        return f"{subject}: no regression against {reference}"


def download_router(model: str, version: str, dst: Path) -> Path:
    """The router folder inside registered model version `version` (the pyfunc's `router` artifact)."""
    import mlflow  # noqa: PLC0415

    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{model}/{version}", dst_path=str(dst)))
    cards = sorted(local.rglob("router.json"))
    if not cards:
        raise FileNotFoundError(f"registered model {model} v{version} holds no router folder (no router.json)")
    return cards[0].parent


def evaluate_router(router_dir: Path, data_dir: Path, ep: EvaluateParams, env: EnvParams) -> dict:
    """The router alone (no baselines, no single models) on the evaluation items; returns eval.json's doc."""
    only_router = ep.model_copy(update={"policies": [POLICY], "singles": "none"})
    result = evaluate(only_router, env, data_dir, router_dir, cache_root=None, progress=False)
    if POLICY not in result.doc["policies"]:
        raise RuntimeError(f"the router in {router_dir} was not evaluated: {result.doc['notes']}")
    return result.doc


def find_baseline(experiment: str) -> Baseline | None:
    """The newest run of the nightly experiment whose verdict is pass or baseline."""
    import mlflow  # noqa: PLC0415
    from mlflow.tracking import MlflowClient  # noqa: PLC0415

    exp = mlflow.get_experiment_by_name(experiment)
    if exp is None:
        return None
    runs = MlflowClient().search_runs([exp.experiment_id], filter_string="attributes.status = 'FINISHED'",
                                      order_by=["attributes.start_time DESC"], max_results=200)
    run = next((r for r in runs if r.data.tags.get(VERDICT_TAG) in ("pass", "baseline")), None)
    if run is None:
        return None
    return Baseline(run.info.run_id, run.data.params.get("model_version", "?"), dict(run.data.metrics))


def run_nightly(model: str, version: str, data_dir: Path, ep: EvaluateParams, env: EnvParams,
                np_: NightlyParams) -> NightlyResult:
    """Download, evaluate and compare (the active MLflow experiment must be the nightly one)."""
    with tempfile.TemporaryDirectory(prefix="xrouter-nightly-") as tmp:
        router_dir = download_router(model, version, Path(tmp))
        doc = evaluate_router(router_dir, data_dir, ep, env)
    summary = doc["policies"][POLICY]
    current = metric_names(flat_metrics(summary))  # as MLflow stores them: comparable with a baseline's
    baseline = find_baseline(np_.experiment)
    regressions = compare(current, baseline.metrics, np_) if baseline else []
    return NightlyResult(model, version, current, summary, doc["lambda"], doc["n_items"], baseline, regressions)


def log_nightly(result: NightlyResult, ep: EvaluateParams) -> str:
    """One run of the nightly experiment with today's metrics, the verdict and the reason; returns its id."""
    import mlflow  # noqa: PLC0415

    with mlflow.start_run(run_name=f"nightly {result.model} v{result.version}",
                          tags={"kind": "nightly-eval", VERDICT_TAG: result.verdict}) as run:
        mlflow.log_params({"model": result.model, "model_version": result.version, "items": ep.items,
                           "split": ep.split, "backend": ep.backend, "lambda": result.lam,
                           "n_items": result.n_items,
                           "baseline_run_id": result.baseline.run_id if result.baseline else "none"})
        mlflow.log_metrics(result.metrics)
        mlflow.set_tag("reason", result.message()[:5000])
        mlflow.log_dict({"summary": result.summary, "regressions": [r.__dict__ for r in result.regressions]},
                        "nightly.json")
        return run.info.run_id
