"""Prefect artifacts the flows publish, so a person reads the results in the Prefect UI: tables of figures,
the gate's verdict, charts, and links to the MLflow run and registered model version.

Each function builds the content from a document the pipeline already writes (metrics/eval.json,
metrics/gate.json, ...) and must run inside a flow or task run. Keys are stable per kind (lowercase, dashes),
so the UI's Artifacts page shows each kind's history across runs.
"""

from __future__ import annotations

import base64
from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "_(none)_"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _cell(v) -> str:
    if v is None:
        return "-"
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def evaluation_rows(doc: dict) -> list[dict]:
    """One row per evaluated policy of an eval.json document (the trained router first)."""
    names = sorted(doc["policies"], key=lambda n: (n != "router", n.startswith("single:"), n))
    rows = []
    for name in names:
        o = doc["policies"][name]["overall"]
        rows.append({"policy": name, "accuracy": round(o["accuracy"], 4), "cost_per_1k_usd": round(o["cost_per_1k"], 4),
                     "calls_per_query": round(o["calls_per_query"], 3), "errors": o["errors"], "n": o["n"]})
    return rows


def publish_table(rows: list[dict], key: str, description: str) -> None:
    create_table_artifact(rows, key=key, description=description)


def publish_stage_status(statuses: dict[str, str]) -> None:
    create_table_artifact([{"stage": s, "status": v} for s, v in statuses.items()], key="pipeline-stages",
                          description="DVC stages of this run: ran, or up to date (dvc.lock is the record).")


def publish_evaluation(doc: dict) -> None:
    create_table_artifact(evaluation_rows(doc), key="evaluation",
                          description=f"Evaluation on {doc['n_items']} items ({doc['items']}, backend "
                                      f"{doc['backend']}, λ={doc['lambda']:g}); metrics/eval.json")


def publish_gate(doc: dict) -> None:
    verdict = "PASSED" if doc["passed"] else f"FAILED ({doc['failed']} check(s) fell short)"
    rows = [{"scope": c["scope"], "check": c["check"], "value": c["value"], "limit": c["limit"],
             "result": "skipped" if c["passed"] is None else ("pass" if c["passed"] else "FAIL"), "note": c["note"]}
            for c in doc["checks"]]
    create_markdown_artifact(f"# Gate {verdict}\n\nPolicy `{doc['policy']}`; thresholds in params.yaml `gate`.\n\n"
                             f"{markdown_table(rows)}\n", key="gate-verdict", description=f"gate {verdict}")


def publish_image(path: Path, key: str, title: str) -> None:
    """A PNG shown inline (embedded as a data URI, so it needs no server of its own)."""
    data = base64.b64encode(path.read_bytes()).decode()
    create_markdown_artifact(f"# {title}\n\n![{title}](data:image/png;base64,{data})\n\n`{path.name}`", key=key,
                             description=title)


def publish_links(links: dict[str, str], what: str) -> None:
    """MLflow UI links (`xrouter.tracking.ui_links`); without a tracking server there is nothing to link."""
    for kind, url in links.items():
        create_link_artifact(url, link_text=f"{what}: MLflow {kind.replace('_', ' ')}",
                             key=f"mlflow-{kind.replace('_', '-')}", description=f"{what} in the MLflow UI")


def publish_nightly(rows: list[dict], verdict: str, message: str) -> None:
    create_markdown_artifact(f"# Nightly evaluation: {verdict}\n\n```\n{message}\n```\n\n{markdown_table(rows)}\n",
                             key="nightly-eval", description=f"nightly evaluation: {verdict}")
