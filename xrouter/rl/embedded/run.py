"""The `train` stage's worker for the embedded router: build the replay tensors, train with DAPO while logging
every step to MLflow, evaluate on val across λ, check for collapse, save and register the router."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from xrouter.env.config import EnvParams
from xrouter.data.splits import split_ids
from xrouter.routers.training import training_data
from xrouter.rl.embedded.evaluation import best_single, choose_operating_lambda, collapse_report, curve
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.router import save_router
from xrouter.rl.embedded.selection import concat, cv_operating_lambda
from xrouter.rl.config import TrainParams
from xrouter.rl.embedded.trainer import StepStats, train
from xrouter.rl.embedded.verifier import with_verifier
from xrouter.routers.card import RouterCard, write_train_summary
from xrouter.tracking import MetricBuffer, metric_names


@dataclass
class TrainOutcome:
    summary: dict
    router_dir: Path


def run_embedded(data_dir: Path, out_dir: Path, env: EnvParams, tp: TrainParams, log_mlflow: bool = True,
                 on_metrics: Callable[[int, dict[str, float]], None] | None = None) -> TrainOutcome:
    """Train, evaluate on val across λ, save to `out_dir`. Per-step metrics go to the active MLflow run
    (`log_mlflow`) and to `on_metrics(step, metrics)` (the λ sweep collects them in Ray workers)."""
    started = time.perf_counter()
    td = training_data(data_dir, env.pool)
    val_ids = split_ids(data_dir, "val", env.pool)
    train_t = ReplayTensors.build(td.world, td.prompt_ids, td.pool)
    val_t = ReplayTensors.build(td.world, val_ids, td.pool)
    raw_train_val = concat(train_t, val_t)  # CV fits its own verifiers, fold by fold
    cfg = tp.embedded
    train_t, (val_t,), verifier = with_verifier(train_t, [val_t], cfg.verifier)
    if log_mlflow:
        import mlflow  # noqa: PLC0415

        mlflow.log_params({"policy": "embedded", "pool": env.pool, "reward": env.reward.name,
                           "K": env.reward.K, "cost_max": env.reward.cost_max, "lambda_range": str(cfg.lambda_range),
                           "steps": cfg.steps, "groups_per_step": cfg.groups_per_step, "lr": cfg.lr,
                           "group_size": cfg.dapo.group_size, "eps_low": cfg.dapo.eps_low, "eps_high": cfg.dapo.eps_high,
                           "dynamic_sampling": cfg.dapo.dynamic_sampling, "loss_agg": cfg.dapo.loss_agg,
                           "curriculum": cfg.curriculum.enabled, "seed": cfg.seed, "n_train": len(td.prompt_ids),
                           "advantage_norm": cfg.advantage_norm, "entropy_coef": cfg.entropy_coef,
                           "entropy_coef_final": cfg.entropy_coef_final, "lr_schedule": cfg.lr_schedule,
                           "lambda_stratified": cfg.lambda_stratified,
                           "embed_noise": cfg.embed_noise, "threads": cfg.threads,
                           "verifier": cfg.verifier.enabled, "select": cfg.verifier.select,
                           "verifier_l2": cfg.verifier.l2})

    with Progress(TextColumn("train"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("reward {task.fields[reward]:.3f} acc {task.fields[acc]:.3f}"), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task("train", total=cfg.steps, reward=0.0, acc=0.0)

        buffer = MetricBuffer(mlflow.active_run().info.run_id) if log_mlflow else None

        def on_step(s: StepStats) -> None:
            bar.update(task, advance=1, reward=s.metrics["reward"], acc=s.metrics["accuracy"])
            if buffer is not None:
                buffer.add(s.step, s.metrics)
            if on_metrics is not None:
                on_metrics(s.step, s.metrics)

        def validate(policy) -> float:  # mean val reward over a few λ: checkpoint selection on val, never test
            points = curve(policy, val_t, tp.select_lambdas, env.reward)
            return sum(p["reward"] for p in points) / len(points)

        threads = torch.get_num_threads()
        torch.set_num_threads(cfg.threads)
        try:
            policy = train(train_t, cfg, env.reward, on_step, validate)
        finally:
            torch.set_num_threads(threads)
        if buffer is not None:
            buffer.flush()

    points = curve(policy, val_t, tp.eval_lambdas, env.reward)
    reference = best_single(val_t)
    operating = choose_operating_lambda(points, reference["accuracy"], tp.operating_tolerance)
    selection = None
    if tp.selection.method == "cv":  # the λ from out-of-fold outcomes over train + val (selection.py)
        selection = cv_operating_lambda(raw_train_val, cfg, env.reward, tp.eval_lambdas,
                                        tp.operating_tolerance, tp.selection)
        at = next(p for p in points if p["lambda"] == selection["lambda"])
        operating = {**at, "reason": f"{selection['method']}: {selection['reason']}"}
    collapse = collapse_report(points, operating["lambda"], tp.collapse_share)
    card = RouterCard("embedded", env.pool, list(train_t.models), tuple(cfg.lambda_range), env.reward.model_dump(),
                      {"steps": cfg.steps, "seed": cfg.seed, "n_train": len(td.prompt_ids),
                       "selection": tp.selection.method}, operating["lambda"],
                      {"embed_dim": train_t.emb.shape[1], "hidden": cfg.hidden, "embed_proj": cfg.embed_proj,
                       "verifier": cfg.verifier.enabled, "select": cfg.verifier.select})
    save_router(policy, card, out_dir, verifier)
    summary = {"policy": "embedded", "train_seconds": time.perf_counter() - started, "val_curve": points,
               "val_best_single": reference, "operating_point": operating, "collapse": collapse,
               "selection": selection}
    if log_mlflow:
        for p in points:
            lam = p["lambda"]
            mlflow.log_metrics(metric_names({
                f"val/accuracy/lambda_{lam:g}": p["accuracy"], f"val/cost_per_1k/lambda_{lam:g}": 1000 * p["cost_per_query"],
                f"val/max_call_share/lambda_{lam:g}": p["max_call_share"]}))
        mlflow.log_metrics({"collapsed": float(collapse["collapsed"]), "val/max_call_share": collapse["max_call_share"],
                            "operating_lambda": operating["lambda"], "val/operating/accuracy": operating["accuracy"],
                            "val/operating/cost_per_1k": 1000 * operating["cost_per_query"]})
        mlflow.log_dict(summary, "train_summary.json")
    write_train_summary(summary, out_dir)
    return TrainOutcome(summary, out_dir)
