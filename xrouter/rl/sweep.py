"""λ sweep: train one embedded router per λ (fixed λ, as the paper trains one model per cost weight), in
parallel as Ray tasks, log each as a run of one MLflow experiment (children of one sweep run), and save a
comparison chart of accuracy vs cost across the sweep.

Ray workers never write to MLflow: each returns its per-step metrics and its validation point, and the driver
logs them (the project's MLflow store is SQLite, which does not like concurrent writers). Every router is
measured on the **validation** split at its own λ; the chart puts beside them the λ-conditioned router of
`models/router/` (one policy, λ chosen per request) on the same split, when it exists. The test split is not
touched.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from xrouter.env.config import EnvParams
from xrouter.rl.config import SweepParams
from xrouter.routers.card import is_router_dir


def train_at(data_dir: str, out_dir: str, env_json: dict, tp_json: dict, lam: float, steps: int) -> dict:
    """One sweep member (runs in a Ray worker): train at a fixed λ, return its history and val point."""
    import torch  # noqa: PLC0415

    from xrouter.rl.config import TrainParams  # noqa: PLC0415
    from xrouter.rl.embedded.run import run_embedded  # noqa: PLC0415

    torch.set_num_threads(1)
    env = EnvParams.model_validate(env_json)
    tp = TrainParams.model_validate(tp_json)
    # the one λ of this member: every draw of the range is λ, and it is evaluated (and ships) at λ
    emb = tp.embedded.model_copy(update={"lambda_range": (lam, lam), "steps": steps})
    # one λ, nothing to select: no cross-validation (train.selection) per member
    tp = tp.model_copy(update={"embedded": emb, "eval_lambdas": [lam], "select_lambdas": [lam],
                               "selection": tp.selection.model_copy(update={"method": "val"})})
    history: list[tuple[int, dict[str, float]]] = []
    outcome = run_embedded(Path(data_dir), Path(out_dir), env, tp, log_mlflow=False,
                           on_metrics=lambda step, m: history.append((step, m)))
    return {"lambda": lam, "steps": steps, "history": history, "val": outcome.summary["val_curve"][0],
            "train_seconds": outcome.summary["train_seconds"], "router_dir": out_dir}


def run_parallel(data_dir: Path, out_root: Path, env: EnvParams, tp_json: dict, sp: SweepParams) -> list[dict]:
    import ray  # noqa: PLC0415

    ray.init(num_cpus=sp.workers, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False,
             configure_logging=False)
    try:
        task = ray.remote(num_cpus=1)(train_at)
        futures = [task.remote(str(data_dir), str(out_root / f"lambda_{lam:g}"), env.model_dump(mode="json"),
                               tp_json, lam, sp.steps) for lam in sp.lambdas]
        return sorted(ray.get(futures), key=lambda r: r["lambda"])
    finally:
        ray.shutdown()


def conditioned_points(router_dir: Path, data_dir: Path, env: EnvParams, lambdas: list[float]) -> list[dict]:
    """The λ-conditioned router's val points at the sweep's λ values ([] when no router was trained)."""
    if not is_router_dir(router_dir):
        return []
    from xrouter.data.splits import split_ids  # noqa: PLC0415
    from xrouter.routers.training import training_data  # noqa: PLC0415
    from xrouter.rl.embedded.evaluation import curve  # noqa: PLC0415
    from xrouter.rl.embedded.replay_data import ReplayTensors  # noqa: PLC0415
    from xrouter.rl.embedded.router import load_router  # noqa: PLC0415

    td = training_data(data_dir, env.pool)
    val = ReplayTensors.build(td.world, split_ids(data_dir, "val", env.pool), td.pool)
    router = load_router(router_dir, td.pool)
    return curve(router.policy, router.tensors(val), lambdas, env.reward)


def chart(members: list[dict], conditioned: list[dict], path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(7.5, 5))
    xs = [1000 * m["val"]["cost_per_query"] for m in members]
    ys = [m["val"]["accuracy"] for m in members]
    ax.plot(xs, ys, "o-", label="one router per λ (sweep)")
    for m, x, y in zip(members, xs, ys):
        ax.annotate(f"λ={m['lambda']:g}", (x, y), fontsize=8, xytext=(4, 4), textcoords="offset points")
    if conditioned:
        ax.plot([1000 * p["cost_per_query"] for p in conditioned], [p["accuracy"] for p in conditioned], "s--",
                label="λ-conditioned router (models/router)")
    ax.set_xlabel("cost per 1k queries (USD), validation split")
    ax.set_ylabel("accuracy, validation split")
    ax.set_title("λ sweep: accuracy vs cost")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def log_to_mlflow(members: list[dict], conditioned: list[dict], sp: SweepParams, chart_path: Path,
                  summary_path: Path) -> str:
    """A parent run for the sweep and one child run per λ with its full step history; returns the parent id."""
    import mlflow  # noqa: PLC0415

    from xrouter.tracking import MetricBuffer  # noqa: PLC0415

    with mlflow.start_run(run_name=f"sweep-{time.strftime('%Y%m%d-%H%M%S')}", tags={"kind": "lambda-sweep"}) as parent:
        mlflow.log_params({"lambdas": str(sp.lambdas), "steps": sp.steps, "workers": sp.workers})
        for m in members:
            with mlflow.start_run(run_name=f"lambda={m['lambda']:g}", nested=True,
                                  tags={"kind": "lambda-sweep-member", "sweep_run_id": parent.info.run_id}) as child:
                mlflow.log_params({"lambda": m["lambda"], "steps": m["steps"]})
                buffer = MetricBuffer(child.info.run_id)
                for step, ms in m["history"]:
                    buffer.add(step, ms)
                buffer.flush()
                v = m["val"]
                mlflow.log_metrics({"val/accuracy": v["accuracy"], "val/cost_per_1k": 1000 * v["cost_per_query"],
                                    "val/calls_per_query": v["calls_per_query"], "val/reward": v["reward"],
                                    "val/max_call_share": v["max_call_share"], "train_seconds": m["train_seconds"]})
        for p in conditioned:
            mlflow.log_metrics({"conditioned/val_accuracy": p["accuracy"],
                                "conditioned/val_cost_per_1k": 1000 * p["cost_per_query"]}, step=int(p["lambda"] * 10))
        mlflow.log_artifact(str(chart_path))
        mlflow.log_artifact(str(summary_path))
        return parent.info.run_id


def summary_doc(members: list[dict], conditioned: list[dict]) -> dict:
    return {
        "split": "val",
        "members": [{"lambda": m["lambda"], "steps": m["steps"], "train_seconds": round(m["train_seconds"], 1),
                     "accuracy": m["val"]["accuracy"], "cost_per_1k": 1000 * m["val"]["cost_per_query"],
                     "calls_per_query": m["val"]["calls_per_query"], "max_call_share": m["val"]["max_call_share"],
                     "router_dir": m["router_dir"]} for m in members],
        "conditioned": [{"lambda": p["lambda"], "accuracy": p["accuracy"], "cost_per_1k": 1000 * p["cost_per_query"]}
                        for p in conditioned],
    }


def write_summary(doc: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
