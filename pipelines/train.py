"""DVC stage `train`: DAPO-train the router (the embedded policy by default), log every step to MLflow, save it
to models/router/ and register it (either kind) in the MLflow model registry; summary metrics in
metrics/train.json."""

from __future__ import annotations

import json

from rich.console import Console

from xrouter.config import load_params
from xrouter.env.config import EnvParams
from xrouter.rl.embedded.run import TrainParams, run_embedded
from xrouter.tracking import MlflowParams, log_router_model, setup_mlflow


def _selection_metrics(selection: dict | None) -> dict:
    """The CV figures of the chosen λ (train.selection.method: cv): pooled out-of-fold accuracy and cost ratio."""
    if selection is None:
        return {"selection": "val"}
    ref = selection["oof_best_single"]
    return {"selection": "cv", "oof_accuracy": selection["accuracy"], "oof_best_single_accuracy": ref["accuracy"],
            "oof_cost_vs_best_single": selection["cost_per_query"] / ref["cost_per_query"]}


def main() -> None:
    params = load_params()
    console = Console(stderr=True)
    env, tp, mp = params.parse("env", EnvParams), params.parse("train", TrainParams), params.parse("mlflow", MlflowParams)
    setup_mlflow(mp, params.root)
    import mlflow  # noqa: PLC0415

    router_dir = params.path(params.paths.models) / "router"
    metrics_path = params.path(params.paths.metrics) / "train.json"
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    prices = params.path(params.paths.data) / "prices.parquet"
    if tp.policy == "llm":
        from xrouter.rl.llm.run import run_llm  # noqa: PLC0415 (loads transformers)

        with mlflow.start_run(run_name="train-llm") as run:
            summary = run_llm(params.path(params.paths.data), router_dir, env, tp.llm)
            version = log_router_model(router_dir, mp.registered_model, prices)
        metrics_path.write_text(json.dumps({
            "train_seconds": round(summary["train_seconds"], 1), "first_step_reward": summary["first_reward"],
            "last_step_reward": summary["last_reward"], "greedy_before": summary["greedy_before"],
            "greedy_after": summary["greedy_after"], "mlflow_run_id": run.info.run_id,
            "registered_version": version}, indent=2) + "\n")
        console.print(f"LLM router trained in {summary['train_seconds']:.0f}s; greedy reward on probe prompts "
                      f"{summary['greedy_before'].get('reward', 0):.3f} -> {summary['greedy_after'].get('reward', 0):.3f}; "
                      f"registered {mp.registered_model} v{version}")
        return
    with mlflow.start_run(run_name="train-embedded") as run:
        outcome = run_embedded(params.path(params.paths.data), router_dir, env, tp)
        version = log_router_model(router_dir, mp.registered_model, prices)
    summary = {**outcome.summary, "mlflow_run_id": run.info.run_id, "registered_version": version}
    op, ref = summary["operating_point"], summary["val_best_single"]
    metrics_path.write_text(json.dumps({
        "train_seconds": round(summary["train_seconds"], 1), "operating_lambda": op["lambda"],
        "val_accuracy": op["accuracy"], "val_cost_per_1k": 1000 * op["cost_per_query"],
        "val_cost_vs_best_single": op["cost_per_query"] / ref["cost_per_query"],
        "val_max_call_share": op["max_call_share"], "collapsed": summary["collapse"]["collapsed"],
        **_selection_metrics(summary["selection"]),
        "registered_version": version,
    }, indent=2) + "\n")
    c = summary["collapse"]
    console.print(f"trained in {summary['train_seconds']:.0f}s; ships at λ={op['lambda']:g} ({op['reason']}): val "
                  f"accuracy {op['accuracy']:.4f}, cost/1k ${1000 * op['cost_per_query']:.3f} (best single "
                  f"{ref['model']}: {ref['accuracy']:.4f}, ${1000 * ref['cost_per_query']:.3f}); "
                  f"collapse check: most-called model {c['max_call_model']} takes {c['max_call_share']:.0%} of calls "
                  f"({'COLLAPSED' if c['collapsed'] else 'no collapse'}); registered {mp.registered_model} v{version}")


if __name__ == "__main__":
    main()
