"""The BentoML service: the xrouter FastAPI app (`xrouter.serve.app`) mounted at /v1.

`bentoml serve` (or `make serve`, which serves the bento the DVC `package` stage built) gives
`POST /v1/chat/completions`, `GET /v1/models`, `GET /v1/spend`, and BentoML's own `/livez`, `/readyz`
(this service's `__is_ready__`: the ledger answers) and `/metrics` (the app's Prometheus series summed over
workers). Configuration is the `serve:` block of the params.yaml next to this file; the app is built when a
worker creates the service, not when BentoML imports this module (so `bentoml build` loads no model).
"""

from __future__ import annotations

import os
from pathlib import Path

import bentoml
from fastapi import FastAPI

HERE = Path(__file__).resolve().parent
PARAMS = Path(os.environ.get("XROUTER_PARAMS", HERE / "params.yaml"))

shell = FastAPI(title="xrouter")  # the real app is mounted into it by each worker's service instance


@bentoml.asgi_app(shell, path="/v1")
@bentoml.service(name="xrouter", workers=2, traffic={"timeout": 120})
class XRouter:
    def __init__(self) -> None:
        from xrouter.serve.app import create_app
        from xrouter.serve.config import configure_process, load_serve_params

        params = load_serve_params(PARAMS)  # XROUTER_LEDGER_URL (set by `make serve`) keeps the ledger outside
        configure_process(params)  # each worker is its own process
        # Several workers share the ledger: only reservations older than an episode can last are orphans.
        app = create_app(params, prefix="", health_routes=False, orphan_age_s=params.episode_deadline_s)
        self.state = app.state.serve
        shell.mount("/", app)

    def __is_ready__(self) -> bool:
        return self.state.ready()
