"""The episode reward for verl: xrouter's judge and registered cost-aware reward on the tools' episode record.

`compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs)` is verl's custom reward
function (`reward.custom_reward_function.{path,name,reward_kwargs}`; `reward_kwargs` arrive as keyword
arguments — `verl/trainer/ppo/reward.py: get_custom_reward_fn`). It ends the episode the way `RoutingEnv`
does (`xrouter/env/episode.py`), from what the tools recorded and the router's last message:

* `select_response` executed → that call's response; a replayed response scores its recorded grade
  (`ReplayJudge` on the replay completion, looked up here, never shown to the policy)
* a limit ended it (`max_calls_reached`, `max_cost_reached`), or the router was still calling at its last
  action (`max_turns_reached`) → the best answer so far: the priciest model that answered
* otherwise the router's own closing text (`direct_response`), graded against the prompt's gold

and returns `{"score": reward, "acc": judge score, "cost_usd", "n_calls", "lam", "answered"}` with
`reward = get_reward(name)(score, C, params with λ of the row)` (`xrouter/env/reward.py`).

verl's DAPO reward manager hands `compute_score` the dataset's `extra_info` only; the episode record lives in
the rollout's `tool_extra_fields`. `XRouterDAPORewardManager` is that manager with the two merged (as verl's
naive manager merges them), keeping DAPO's overlong shaping: `reward.reward_manager.source=importlib`,
`name=XRouterDAPORewardManager`, `module.path=pkg://xrouter_verl.reward`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from xrouter.backends.base import Completion
from xrouter.backends.replay import ReplayBackend
from xrouter.data.world import ReplayWorld
from xrouter.env.judge import ReplayJudge
from xrouter.env.reward import EpisodeCost, RewardParams, check_lambda, episode_reward
from xrouter.env.rules import EpisodeLimits, fallback_answer
from xrouter.pool import ModelPool
from xrouter_verl import DATA_SOURCE, EPISODE_KEY
from xrouter_verl.tool import episode_cost, pool_of, query_of, replay_world

_TOOL_CALL = re.compile(r"<tool_call>.*?(?:</tool_call>|$)", re.DOTALL)
_TOOL_RESPONSE_END = "</tool_response>"  # Hermes/Qwen chat templates wrap every tool result in it
_ROLE_LINE = re.compile(r"^(assistant)\s*\n")  # the role line survives skip_special_tokens decoding
_JUDGES: dict[int, tuple[ReplayWorld, ReplayJudge]] = {}

SCORE_KEYS = ("score", "acc", "cost_usd", "n_calls", "lam", "answered")


def closing_text(solution_str: str) -> tuple[str, bool]:
    """The router's last message — what follows the last tool result — without tool-call blocks, and whether
    it held a tool call (one the rollout stopped before carrying out)."""
    tail = solution_str.rsplit(_TOOL_RESPONSE_END, 1)[-1]
    has_call = "<tool_call>" in tail
    text = _ROLE_LINE.sub("", _TOOL_CALL.sub("", tail).strip()).strip()
    return text, has_call


def _best(calls: list[dict[str, Any]], pool: ModelPool, backend: str, strategy: str) -> dict[str, Any]:
    """As RoutingEnv when a limit ends an episode: `rules.fallback_answer` over the calls that answered."""
    best = fallback_answer([(c, pool.get(c["model"]).reference_price) for c in calls
                            if not c["error"] and (backend == "replay" or c.get("text"))])
    if best is None:
        return {"strategy": strategy, "call": None, "text": None, "model": None}
    return {"strategy": strategy, "call": best, "text": None, "model": best["model"]}


def final_answer(ep: Mapping[str, Any] | None, solution_str: str, pool: ModelPool,
                 limits: EpisodeLimits) -> dict[str, Any]:
    """How the episode ended: `strategy`, and the `call` (a record) or `text` (the router's own) answered."""
    calls = list(ep["calls"]) if ep else []
    ended = ep["ended"] if ep else None
    backend = ep["backend"] if ep else "replay"
    if ended == "select_response":
        call = next(c for c in calls if c["call_name"] == ep["selected"])
        return {"strategy": ended, "call": call, "text": None, "model": call["model"]}
    if ended == "select_failed_call":
        return {"strategy": ended, "call": None, "text": None, "model": None}
    if ended in ("max_calls_reached", "max_cost_reached"):
        return _best(calls, pool, backend, ended)
    text, has_call = closing_text(solution_str)
    if calls and (max(c["turn"] for c in calls) >= limits.max_turns or has_call):
        return _best(calls, pool, backend, "max_turns_reached")
    return {"strategy": "direct_response", "call": None, "text": text, "model": "router"}


def _judge(world: ReplayWorld) -> ReplayJudge:
    held = _JUDGES.get(id(world))
    if held is None or held[0] is not world:
        held = _JUDGES[id(world)] = (world, ReplayJudge(world))
    return held[1]


def _completion(world: ReplayWorld, prompt_id: str, call: Mapping[str, Any], backend: str) -> Completion:
    if backend == "replay":  # the recorded response with its recorded grade (for the judge only)
        return ReplayBackend(world).complete(call["model"], [], prompt_id=prompt_id)
    return Completion(call["model"], call.get("text") or "", int(call["input_tokens"]), int(call["output_tokens"]),
                      float(call["cost_usd"]), 0.0, backend=backend)


def episode_extra_info(non_tensor: Mapping[str, Any]) -> dict[str, Any]:
    """A sample's `extra_info` with the rollout's tool fields merged in (as verl's naive reward manager does):
    from `tool_extra_fields` (streaming reward path) or from the episode column of the batch."""
    extra = dict(non_tensor.get("extra_info") or {})
    tool_fields = non_tensor.get("tool_extra_fields")
    if isinstance(tool_fields, Mapping):
        extra.update(tool_fields)
    episode = non_tensor.get(EPISODE_KEY)
    if isinstance(episode, Mapping):
        extra.setdefault(EPISODE_KEY, episode)
    return extra


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: Mapping[str, Any] | None = None,
                  *, data_dir: str | None = None, pool: str | None = None, reward: Mapping[str, Any] | None = None,
                  limits: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, float]:
    """verl's custom reward function for `xrouter_replay` rows; `data_dir`, `pool`, `reward` (RewardParams
    fields: name, K, cost_max, cost_scale, router_usd_per_mtok) and `limits` (EpisodeLimits) come from
    `reward.custom_reward_function.reward_kwargs`; λ from the row's `extra_info.lam`."""
    if data_source != DATA_SOURCE:
        raise ValueError(f"xrouter_verl.reward.compute_score scores '{DATA_SOURCE}' rows, got '{data_source}'")
    extra = dict(extra_info or {})
    prompt_id = str(ground_truth)
    if extra.get("prompt_id") not in (None, prompt_id):
        raise ValueError(f"row mismatch: ground_truth '{prompt_id}' vs extra_info.prompt_id '{extra['prompt_id']}'")
    ep = extra.get(EPISODE_KEY)
    if ep is None and "tool_rewards" not in extra:
        # ToolAgentLoop puts `tool_rewards` in every rollout's extra fields: without it (and without an episode
        # record) the tool fields were never merged in, and every call's cost would silently read as $0.
        raise ValueError("extra_info holds no tool fields: score with XRouterDAPORewardManager "
                         "(reward.reward_manager.source=importlib, module.path=pkg://xrouter_verl.reward) or "
                         "verl's naive manager, which merge the rollout's tool_extra_fields")
    if ep is not None and ep["prompt_id"] != prompt_id:
        raise ValueError(f"episode record of prompt '{ep['prompt_id']}' scored for prompt '{prompt_id}'")

    world = replay_world(data_dir)
    model_pool = pool_of({"pool": pool or extra.get("pool") or "zeroeval"}, world)
    params = RewardParams(**dict(reward or {}))
    if extra.get("lam") is None:
        raise ValueError(f"prompt '{prompt_id}': extra_info has no 'lam' (every dataset row carries its λ)")
    lam = check_lambda(extra["lam"], what="extra_info.lam")
    end = final_answer(ep, solution_str, model_pool, EpisodeLimits(**dict(limits or {})))

    query = query_of(world, prompt_id)
    if end["call"] is not None:
        completion = _completion(world, prompt_id, end["call"], ep["backend"])
        score = float(_judge(world)(query, completion.text, completion))
    elif end["text"] is not None:
        score = float(_judge(world)(query, end["text"], None))
    else:
        score = 0.0
    cost = episode_cost(ep) if ep else 0.0
    value = episode_reward(None if end["model"] is None else score, EpisodeCost(cost), lam, params)
    return {"score": float(value), "acc": score, "cost_usd": cost, "n_calls": float(len(ep["calls"]) if ep else 0),
            "lam": lam, "answered": float(end["model"] is not None)}


try:  # the GPU environment
    from verl.experimental.reward_loop.reward_manager.dapo import DAPORewardManager as _DAPORewardManager
except ImportError:
    _DAPORewardManager = None

if _DAPORewardManager is not None:

    class XRouterDAPORewardManager(_DAPORewardManager):
        """verl's DAPO reward manager (overlong shaping from `reward.reward_kwargs`), whose `compute_score`
        also sees the rollout's tool fields — the xrouter episode record."""

        async def run_single(self, data):
            data = data[-1:]  # as DAPORewardManager.run_single: the last sequence carries the episode
            column = np.empty(1, dtype=object)
            column[0] = episode_extra_info(data[0].non_tensor_batch)
            data.non_tensor_batch["extra_info"] = column
            return await super().run_single(data)

else:

    class XRouterDAPORewardManager:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("XRouterDAPORewardManager needs verl (the GPU environment: infra/gpu/requirements.lock)")
