"""DVC stage `package`: build the BentoML bento of the service (the trained router, the prepared tables and
params.yaml inside; `bentofile.yaml`), export it to models/bento/. Runs only after a passing gate."""

from __future__ import annotations

import json
import sys

from xrouter.config import load_params
from xrouter.serve.bento import build


def main() -> int:
    params = load_params()
    gate = json.loads(params.path(params.paths.gate_metrics).read_text())
    if not gate.get("passed"):
        print("package: the gate did not pass (metrics/gate.json); nothing is packaged", file=sys.stderr)
        return 1
    tag = build(params.root, params.path(params.paths.bento))
    print(f"package: built bento {tag} (serve it with `make serve`; containerize: `bentoml containerize {tag}`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
