"""DVC stage `gate`: check metrics/eval.json against params.yaml `gate`; write metrics/gate.json and stop
`dvc repro` (exit 1) with a table of what fell short. Only a passing gate lets packaging run."""

from __future__ import annotations

import json
import sys

from xrouter.config import load_params
from xrouter.evaluate.gate import check_gate, gate_document, render_table
from xrouter.evaluate.report import write_json


def main() -> int:
    params = load_params()
    gp = params.gate
    evaluation = json.loads(params.path(params.paths.eval_metrics).read_text())
    checks = check_gate(evaluation, gp)
    doc = gate_document(checks, gp)
    write_json(doc, params.path(params.paths.gate_metrics))
    table = render_table(checks)
    if doc["passed"]:
        print(f"gate PASSED for policy '{gp.policy}':\n{table}")
        return 0
    print(f"gate FAILED for policy '{gp.policy}' ({doc['failed']} check(s) fell short; thresholds in params.yaml "
          f"`gate`):\n{table}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
