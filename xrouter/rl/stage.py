"""The `train` stage's work for either router kind: train it (`train.policy`), save it to `paths.router`, log
the run and register the router in MLflow, and say what happened — the figures for `paths.train_metrics` and
one line for the console."""

from __future__ import annotations

from dataclasses import dataclass

from xrouter.config import Params
from xrouter.tracking import log_router_model, setup_mlflow


@dataclass
class TrainResult:
    metrics: dict  # what paths.train_metrics holds
    message: str


def _selection_metrics(selection: dict | None) -> dict:
    """How the operating λ was chosen; with `train.selection.method: cv`, its pooled out-of-fold accuracy and cost
    ratio against the best single model on the same train + val prompts."""
    if selection is None:
        return {"selection": "val"}
    ref = selection["oof_best_single"]
    return {"selection": "cv", "oof_accuracy": selection["accuracy"], "oof_best_single_accuracy": ref["accuracy"],
            "oof_cost_vs_best_single": selection["cost_per_query"] / ref["cost_per_query"]}


def train_and_register(params: Params) -> TrainResult:
    setup_mlflow(params.mlflow, params.root)
    import mlflow  # noqa: PLC0415 (slow import, only where tracking happens)

    data_dir, router_dir = params.path(params.paths.data), params.path(params.paths.router)
    prices = data_dir / "prices.parquet"
    env, tp, registered = params.env, params.train, params.mlflow.registered_model
    if tp.policy == "llm":
        from xrouter.rl.llm.run import run_llm  # noqa: PLC0415 (loads transformers)

        with mlflow.start_run(run_name="train-llm") as run:
            s = run_llm(data_dir, router_dir, env, tp.llm)
            version = log_router_model(router_dir, registered, prices)
        metrics = {"train_seconds": round(s["train_seconds"], 1), "first_step_reward": s["first_reward"],
                   "last_step_reward": s["last_reward"], "greedy_before": s["greedy_before"],
                   "greedy_after": s["greedy_after"], "mlflow_run_id": run.info.run_id, "registered_version": version}
        message = (f"LLM router trained in {s['train_seconds']:.0f}s; greedy reward on probe prompts "
                   f"{s['greedy_before'].get('reward', 0):.3f} -> {s['greedy_after'].get('reward', 0):.3f}; "
                   f"registered {registered} v{version}")
        return TrainResult(metrics, message)

    from xrouter.rl.embedded.run import run_embedded  # noqa: PLC0415 (torch)

    with mlflow.start_run(run_name="train-embedded") as run:
        s = run_embedded(data_dir, router_dir, env, tp).summary
        version = log_router_model(router_dir, registered, prices)
    op, ref, c = s["operating_point"], s["val_best_single"], s["collapse"]
    metrics = {"train_seconds": round(s["train_seconds"], 1), "operating_lambda": op["lambda"],
               "val_accuracy": op["accuracy"], "val_cost_per_1k": 1000 * op["cost_per_query"],
               "val_cost_vs_best_single": op["cost_per_query"] / ref["cost_per_query"],
               "val_max_call_share": op["max_call_share"], "collapsed": c["collapsed"],
               **_selection_metrics(s["selection"]), "mlflow_run_id": run.info.run_id, "registered_version": version}
    message = (f"trained in {s['train_seconds']:.0f}s; ships at λ={op['lambda']:g} ({op['reason']}): val "
               f"accuracy {op['accuracy']:.4f}, cost/1k ${1000 * op['cost_per_query']:.3f} (best single "
               f"{ref['model']}: {ref['accuracy']:.4f}, ${1000 * ref['cost_per_query']:.3f}); "
               f"collapse check: most-called model {c['max_call_model']} takes {c['max_call_share']:.0%} of calls "
               f"({'COLLAPSED' if c['collapsed'] else 'no collapse'}); registered {registered} v{version}")
    return TrainResult(metrics, message)
