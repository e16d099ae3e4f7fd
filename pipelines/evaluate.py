"""DVC stage `evaluate`: run the trained router, the baselines and the single models over the evaluation items
(the replay test split by default), write metrics/eval.json, the per-item records and reports/eval.md + PNG."""

from __future__ import annotations

from rich.console import Console

from xrouter.config import load_params
from xrouter.evaluate.report import markdown, plot, write_json, write_records
from xrouter.evaluate.run import evaluate


def main() -> None:
    params = load_params()
    console = Console(stderr=True)
    p, env = params.evaluate, params.env
    gate_policy = params.gate.policy
    paths = params.paths
    cache_root = params.path(p.cache_dir) if p.cache_dir else None
    result = evaluate(p, env, params.path(paths.data), params.path(paths.router), cache_root)
    doc = {**result.doc, "records_dir": str(paths.eval_records)}
    write_json(doc, params.path(paths.eval_metrics))
    write_records(result.records, params.path(paths.eval_records))
    plot(doc, params.path(paths.eval_plot))
    report = params.path(paths.eval_report)
    report.write_text(markdown(doc, params.path(paths.eval_plot).relative_to(report.parent).as_posix(), gate_policy))
    for note in doc["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}")
    for name, s in doc["policies"].items():
        if not name.startswith("single:") or name == doc["best_single"].get("overall"):
            o = s["overall"]
            console.print(f"{name:<34} accuracy {o['accuracy']:.4f}  cost/1k ${o['cost_per_1k']:.3f}  "
                          f"calls {o['calls_per_query']:.2f}  errors {o['errors']}")
    console.print(f"evaluated {len(doc['policies'])} policies on {doc['n_items']} items in {doc['seconds']}s "
                  f"-> {report}")


if __name__ == "__main__":
    main()
