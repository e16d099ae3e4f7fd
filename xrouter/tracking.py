"""MLflow set-up shared by stages and flows: an explicit tracking URI (SQLite in the project by default) and
an experiment; and the embedded router as an MLflow pyfunc model for the model registry."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class MlflowParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tracking_uri: str = Field("sqlite:///mlflow.db", description="Relative SQLite paths resolve in the project root.")
    experiment: str = "xrouter"
    registered_model: str = "xrouter-router"


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


def setup_mlflow(p: MlflowParams, root: Path) -> None:
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    import mlflow  # noqa: PLC0415 (slow import, only where tracking happens)

    uri = p.tracking_uri
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        uri = f"sqlite:///{(root / uri.removeprefix('sqlite:///')).resolve()}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(p.experiment)


def _pyfunc_class():
    import mlflow.pyfunc  # noqa: PLC0415

    class RouterModel(mlflow.pyfunc.PythonModel):
        """predict(DataFrame[query, lambda]) -> the first model the router calls for each query (λ defaults to the
        router's operating λ, chosen on val)."""

        def load_context(self, context) -> None:
            from xrouter.rl.embedded.router import RouterCard  # noqa: PLC0415

            import json  # noqa: PLC0415

            self.dir = Path(context.artifacts["router"])
            self.card = RouterCard(**json.loads((self.dir / "router.json").read_text()))

        def predict(self, context, model_input, params=None):
            import torch  # noqa: PLC0415

            from xrouter.embeddings import embed  # noqa: PLC0415
            from xrouter.rl.embedded.policy import EmbeddedPolicy  # noqa: PLC0415
            from xrouter.rl.embedded.state import BatchState, features, valid_actions  # noqa: PLC0415

            policy = EmbeddedPolicy(self.card.embed_dim, len(self.card.models), self.card.hidden,
                                    self.card.embed_proj).eval()
            policy.load_state_dict(torch.load(self.dir / "policy.pt", weights_only=True))
            texts = list(model_input["query"])
            default = self.card.operating_lambda if self.card.operating_lambda is not None else 2.0
            lam = torch.tensor(list(model_input.get("lambda", [default] * len(texts))), dtype=torch.float32)
            s = BatchState.empty(len(texts), len(self.card.models), lam)
            price = torch.zeros(len(self.card.models))
            with torch.no_grad():
                logits = policy(features(s, torch.tensor(embed(texts)), price), valid_actions(s))
            return [self.card.models[int(i)] for i in logits.argmax(-1)]

    return RouterModel


def log_router_model(router_dir: Path, registered_model: str) -> str:
    """Log the router folder as a pyfunc model, register it, and return the model version."""
    import mlflow  # noqa: PLC0415

    info = mlflow.pyfunc.log_model(name="router", python_model=_pyfunc_class()(),
                                   artifacts={"router": str(router_dir)}, registered_model_name=registered_model,
                                   pip_requirements=[])
    return str(info.registered_model_version)
