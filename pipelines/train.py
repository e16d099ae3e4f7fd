"""DVC stage `train`: DAPO-train the router (`train.policy`: the embedded policy by default, or the LLM router),
log every step to MLflow, save it to `paths.router` and register it in the MLflow model registry; its figures
go to `paths.train_metrics`."""

from __future__ import annotations

import json

from rich.console import Console

from xrouter.config import load_params
from xrouter.rl.stage import train_and_register


def main() -> None:
    params = load_params()
    result = train_and_register(params)
    path = params.path(params.paths.train_metrics)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.metrics, indent=2) + "\n")
    Console(stderr=True).print(result.message)


if __name__ == "__main__":
    main()
