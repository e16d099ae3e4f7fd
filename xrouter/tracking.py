"""MLflow set-up shared by stages and flows (settings: `xrouter.config.MlflowParams`): an explicit tracking URI
(SQLite in the project by default) and an experiment; and any trained router as an MLflow pyfunc model for the
model registry."""

from __future__ import annotations

import os
import re
from pathlib import Path

from xrouter.config import MlflowParams


def metric_names(metrics: dict[str, float]) -> dict[str, float]:
    """MLflow accepts only alphanumerics, _ - . space : / in metric names (model ids may hold '@')."""
    return {re.sub(r"[^0-9A-Za-z_\-. :/]", "_", k): v for k, v in metrics.items()}


class MetricBuffer:
    """Per-step metrics sent to MLflow in batches (one `log_batch` per `flush_every` steps, not a call per
    step: thousands of steps would otherwise spend minutes in SQLite round trips)."""

    def __init__(self, run_id: str, flush_every: int = 50) -> None:
        self.run_id, self.flush_every = run_id, flush_every
        self._pending: list = []
        self._steps = 0

    def add(self, step: int, metrics: dict[str, float]) -> None:
        import time  # noqa: PLC0415

        from mlflow.entities import Metric  # noqa: PLC0415

        now = int(time.time() * 1000)
        self._pending += [Metric(k, float(v), now, step) for k, v in metric_names(metrics).items()]
        self._steps += 1
        if self._steps % self.flush_every == 0:
            self.flush()

    def flush(self) -> None:
        from mlflow.tracking import MlflowClient  # noqa: PLC0415

        client = MlflowClient()
        for k in range(0, len(self._pending), 1000):  # MLflow takes at most 1,000 metrics per batch
            client.log_batch(self.run_id, metrics=self._pending[k:k + 1000])
        self._pending = []


def tracking_uri(p: MlflowParams, root: Path) -> str:
    """`MLFLOW_TRACKING_URI` when set (a tracking server: `make ui` gives its worker one), else params'
    `mlflow.tracking_uri` with a relative SQLite path resolved in the project root."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or p.tracking_uri
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        uri = f"sqlite:///{(root / uri.removeprefix('sqlite:///')).resolve()}"
    return uri


def setup_mlflow(p: MlflowParams, root: Path, experiment: str | None = None) -> str:
    """Point MLflow at the project's tracking store and experiment (params' unless `experiment`); returns
    the tracking URI."""
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    import mlflow  # noqa: PLC0415 (slow import, only where tracking happens)

    uri = tracking_uri(p, root)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment or p.experiment)
    # MLflow 3's UI opens an experiment of unknown kind on its GenAI (traces) overview; ours are model training
    mlflow.set_experiment_tag("mlflow.experimentKind", "custom_model_development")
    return uri


def ui_links(uri: str, experiment_id: str, run_id: str | None = None, model: str | None = None,
             version: str | None = None) -> dict[str, str]:
    """Addresses in the MLflow UI of a run and a registered model version; empty unless the tracking store is
    a server (http[s]://: the same address serves the UI)."""
    if not uri.startswith(("http://", "https://")):
        return {}
    base = uri.rstrip("/")
    links = {}
    if run_id:
        links["run"] = f"{base}/#/experiments/{experiment_id}/runs/{run_id}"
    if model and version:
        links["model_version"] = f"{base}/#/models/{model}/versions/{version}"
    return links


def latest_version(model: str):
    """The newest version of a registered model (highest version number); a clear error when none exists."""
    from mlflow.tracking import MlflowClient  # noqa: PLC0415

    versions = MlflowClient().search_model_versions(f"name = '{model}'")
    if not versions:
        raise LookupError(f"no registered versions of model '{model}' in the MLflow registry "
                          "(the train stage registers one: `dvc repro train`)")
    return max(versions, key=lambda v: int(v.version))


def first_model(router, text: str, lam: float) -> str:
    """The pool model a router calls first for a query ("router" when it answers at once): one decision on
    the opening observation of an episode, with the default episode limits."""
    from xrouter.env.rules import EpisodeLimits  # noqa: PLC0415
    from xrouter.env.types import CallModels, Observation, Query  # noqa: PLC0415

    limits = EpisodeLimits()
    first = Observation(Query("pyfunc", text), 1, (), 0.0, lam, limits.max_turns, limits.max_calls)
    action = router.act(first)
    if not isinstance(action, CallModels):
        return "router"
    return router.pool.resolve(action.calls[0].model).id


def _pyfunc_class():
    import mlflow.pyfunc  # noqa: PLC0415

    class RouterModel(mlflow.pyfunc.PythonModel):
        """Any trained router folder (embedded or LLM, as `load_trained_router` reads it) with the price
        catalog its pool is priced from. predict(DataFrame[query, lambda]) -> the first model the router calls
        for each query; λ defaults to the router's operating λ, and a λ outside its trained range is refused."""

        def load_context(self, context) -> None:
            import pandas as pd  # noqa: PLC0415

            from xrouter.pool import load_pool  # noqa: PLC0415
            from xrouter.routers.card import read_card  # noqa: PLC0415
            from xrouter.routers.factory import load_trained_router  # noqa: PLC0415

            folder = Path(context.artifacts["router"])
            self.card = read_card(folder)
            pool = load_pool(self.card.pool, pd.read_parquet(context.artifacts["prices"]))
            self.router = load_trained_router(folder, pool)

        def predict(self, context, model_input, params=None):
            from xrouter.routers.card import resolve_lambda  # noqa: PLC0415

            texts = list(model_input["query"])
            if "lambda" in model_input:
                lams = [self.card.check_lambda(lam) for lam in model_input["lambda"]]
            else:
                lams = [resolve_lambda("router", self.card)[0]] * len(texts)
            if hasattr(self.router, "warm"):  # the embedded router embeds the whole batch at once
                self.router.warm(texts)
            return [first_model(self.router, t, float(lam)) for t, lam in zip(texts, lams)]

    return RouterModel


def log_router_model(router_dir: Path, registered_model: str, prices: Path) -> str:
    """Log a trained router folder (embedded or LLM) with the price catalog (`prices.parquet` of the prepared
    data) as a pyfunc model, register it, and return the model version."""
    import mlflow  # noqa: PLC0415

    info = mlflow.pyfunc.log_model(name="router", python_model=_pyfunc_class()(),
                                   artifacts={"router": str(router_dir), "prices": str(prices)},
                                   registered_model_name=registered_model,
                                   pip_requirements=[])
    return str(info.registered_model_version)
