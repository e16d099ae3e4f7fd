"""Replay prompts → verl's RL parquet rows, and the tool config YAML verl loads the tools from.

One row per replay prompt of a split (`xrouter.data.splits`), in the columns verl 0.9's `RLHFDataset`
(`verl/utils/dataset/rl_dataset.py`) and agent loop (`verl/experimental/agent_loop/agent_loop.py`) read:

* `data_source` — `xrouter_replay` (`data.reward_fn_key`; handed to `compute_score`)
* `agent_name` — `tool_agent`: verl's `ToolAgentLoop` rolls the row out
* `prompt` — chat messages: the router's system prompt of `xrouter.rl.llm.chat` (every pool tool with its
  prices, and λ: "each dollar spent costs λ reward points"), then the user's query
* `ability` — `routing`
* `reward_model` — `{style: rule, ground_truth: <prompt id>}`: verl's reward managers require the field; here
  it holds the prompt's id, a key the reward looks the gold and recorded grades up with on the server side
* `extra_info` — `index`, `split`, `prompt_id`, `task`, `lam` (the row's λ, also stated in the prompt),
  `pool`, `need_tools_kwargs`, and `tools_kwargs`: for every tool `{create_kwargs: {prompt_id}}`

No row carries a gold answer or a recorded grade (`tests/infra/test_verl_adapter.py` checks it). λ is drawn
log-uniformly from `lambda_range` per row with a seed, as the LLM trainer draws it per group: the G rollouts of
a row (`actor_rollout_ref.rollout.n`) share it.

    python -m xrouter_verl.dataset --data-dir data --out-dir ~/data/xrouter --splits train val
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import yaml

from xrouter.data.world import ReplayWorld
from xrouter.env.episode import EpisodeLimits
from xrouter.data.splits import split_ids
from xrouter.routers.training import training_data
from xrouter.env.queries import replay_queries
from xrouter.env.tools import SELECT_RESPONSE, model_tool, select_response_tool
from xrouter.pool import ModelPool, load_pool
from xrouter.rl.lambdas import sample_lambda
from xrouter.rl.llm import chat
from xrouter_verl import DATA_SOURCE

AGENT_NAME = "tool_agent"  # verl's ToolAgentLoop (@register("tool_agent"))
ABILITY = "routing"
CALL_TOOL_CLASS = "xrouter_verl.tool.CallModelTool"
SELECT_TOOL_CLASS = "xrouter_verl.tool.SelectResponseTool"

# chat.system_prompt asks for `{"name": ...}` alone (the CPU router's grammar fills the rest); verl's hermes
# parser (verl/experimental/agent_loop/tool_parser.py) drops a call without "arguments", so the verl prompt
# asks for them.
_CHAT_REPLY = 'Reply <tool_call>{"name": "<tool>"}</tool_call>.'
_VERL_REPLY = ('Reply <tool_call>{"name": "<tool>", "arguments": {...}}</tool_call> '
               '(one or more calls per reply); without a tool call your reply is your own final answer.')

# verl's OpenAIFunctionPropertySchema (verl/tools/schemas.py) keeps type, description and enum only
_PROPERTY_KEYS = ("type", "description", "enum")


def router_system_prompt(pool: ModelPool, lam: float) -> str:
    text = chat.system_prompt(pool, lam)
    if _CHAT_REPLY not in text:
        raise RuntimeError("xrouter.rl.llm.chat.system_prompt no longer ends with the expected reply format "
                           f"{_CHAT_REPLY!r}; update xrouter_verl.dataset")
    return text.replace(_CHAT_REPLY, _VERL_REPLY)


def sample_lambdas(n: int, lo: float, hi: float, seed: int) -> list[float]:
    """n values log-uniform on [lo, hi], rounded to 4 significant digits (the prompt states λ with `:g`)."""
    return [float(f"{v:.4g}") for v in sample_lambda(n, lo, hi, torch.Generator().manual_seed(seed)).tolist()]


def _split(data_dir: Path, split: str, pool_name: str, world: ReplayWorld | None) -> tuple[ReplayWorld, ModelPool, list[str]]:
    if world is None and split == "train":
        td = training_data(data_dir, pool_name)  # the train split fitted routers learn from
        return td.world, td.pool, td.prompt_ids
    world = world or ReplayWorld.from_data_dir(data_dir)
    return world, load_pool(pool_name, world.prices), split_ids(data_dir, split, pool_name)


def build_rows(data_dir: str | Path, split: str = "train", pool_name: str = "zeroeval",
               lambda_range: Sequence[float] = (0.5, 500.0), seed: int = 0, world: ReplayWorld | None = None,
               limit: int | None = None, models: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """verl rows for the replay prompts of one split of a prepared data folder (`world`: reuse a loaded one)."""
    world, pool, ids = _split(Path(data_dir), split, pool_name, world)
    if models:
        pool = pool.subset(list(models))
    order = {pid: i for i, pid in enumerate(ids)}
    queries = sorted(replay_queries(world, ids), key=lambda q: order[q.prompt_id])  # the split's (sorted) order
    if not queries:
        raise ValueError(f"split '{split}' of {data_dir} has no '{pool_name}' prompts")
    if limit is not None:
        queries = queries[:limit]
    tools = [m.tool for m in pool] + [SELECT_RESPONSE]
    rows = []
    for i, (q, lam) in enumerate(zip(queries, sample_lambdas(len(queries), *lambda_range, seed))):
        rows.append({
            "data_source": DATA_SOURCE,
            "agent_name": AGENT_NAME,
            "prompt": [{"role": "system", "content": router_system_prompt(pool, lam)},
                       {"role": "user", "content": q.text}],
            "ability": ABILITY,
            "reward_model": {"style": "rule", "ground_truth": q.prompt_id},
            "extra_info": {
                "index": i, "split": split, "prompt_id": q.prompt_id, "task": q.task, "lam": lam,
                "pool": pool.name, "need_tools_kwargs": True,
                "tools_kwargs": {t: {"create_kwargs": {"prompt_id": q.prompt_id}} for t in tools},
            },
        })
    return rows


def write_parquet(rows: list[dict[str, Any]], path: str | Path) -> Path:
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(path, index=False)
    return path


# -- the tool config (actor_rollout_ref.rollout.multi_turn.tool_config_path) ----------------------------------
def verl_tool_schema(tool: dict[str, Any]) -> dict[str, Any]:
    """An xrouter OpenAI tool (`xrouter.env.tools`) in the fields verl's OpenAIFunctionToolSchema keeps."""
    fn = tool["function"]
    params = fn.get("parameters") or {"type": "object", "properties": {}}
    props = {k: {f: v for f, v in p.items() if f in _PROPERTY_KEYS} for k, p in params.get("properties", {}).items()}
    return {"type": "function", "function": {
        "name": fn["name"], "description": fn["description"],
        "parameters": {"type": params.get("type", "object"), "properties": props,
                       "required": list(params.get("required", []))},
    }}


def tool_config(pool: ModelPool, data_dir: str | Path, backend: str = "replay",
                limits: EpisodeLimits | None = None, litellm: dict[str, Any] | None = None) -> dict[str, Any]:
    """verl's tool YAML (`tools: [{class_name, config: {type: native, ...}, tool_schema}]`) for a pool."""
    limits = limits or EpisodeLimits()

    def config(**extra: Any) -> dict[str, Any]:  # a fresh dict per tool (no YAML anchors)
        out = {"type": "native", "data_dir": str(data_dir), "pool": pool.name, "backend": backend,
               "limits": limits.model_dump(), **extra}
        if litellm:
            out["litellm"] = dict(litellm)
        return out

    tools = [{"class_name": CALL_TOOL_CLASS, "config": config(model=m.id),
              "tool_schema": verl_tool_schema(model_tool(m))} for m in pool]
    tools.append({"class_name": SELECT_TOOL_CLASS, "config": config(),
                  "tool_schema": verl_tool_schema(select_response_tool())})
    return {"tools": tools}


def write_tool_config(path: str | Path, pool: ModelPool, data_dir: str | Path, **kwargs: Any) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("# verl tool config for the xrouter routing episode: one tool per pool model + select_response.\n"
              "# Generated by `python -m xrouter_verl.make_tool_config`; do not edit by hand.\n"
              "# data_dir is read on every node; XROUTER_VERL_DATA_DIR overrides it there.\n")
    path.write_text(header + yaml.safe_dump(tool_config(pool, data_dir, **kwargs), sort_keys=False, width=120,
                                            allow_unicode=True))
    return path


def _env_params(params_path: Path | None):
    from xrouter.config import load_params
    from xrouter.env.config import EnvParams

    if params_path is None or not params_path.is_file():
        return EnvParams()
    return load_params(params_path).env


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data"), help="prepared tables (make run / dvc repro)")
    ap.add_argument("--out-dir", type=Path, required=True, help="where <split>.parquet are written")
    ap.add_argument("--splits", nargs="+", default=["train", "val"])
    ap.add_argument("--params", type=Path, default=Path("params.yaml"), help="env.pool is read from it")
    ap.add_argument("--pool", default=None, help="default: params.yaml env.pool")
    ap.add_argument("--models", nargs="*", default=None, help="a subset of the pool (default: all)")
    ap.add_argument("--lambda-range", nargs=2, type=float, default=(0.5, 500.0))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None, help="first N prompts per split (smoke runs)")
    args = ap.parse_args(argv)
    pool_name = args.pool or _env_params(args.params).pool
    world = ReplayWorld.from_data_dir(args.data_dir)
    for k, split in enumerate(args.splits):
        rows = build_rows(args.data_dir, split, pool_name, args.lambda_range, args.seed + k, world=world,
                          limit=args.limit, models=args.models)
        out = write_parquet(rows, args.out_dir / f"{split}.parquet")
        print(f"{split}: {len(rows)} rows -> {out}")


if __name__ == "__main__":
    main()
