"""xrouter ↔ verl: the replay routing environment and the cost-aware reward wired into verl's multi-turn tool
rollout (`ToolAgentLoop`), for DAPO training of a tool-calling router on a Ray cluster.

* `dataset` — replay prompts → verl RL parquet rows (no gold, no recorded grade: only the prompt id) and the
  tool config YAML (`python -m xrouter_verl.dataset`, `python -m xrouter_verl.make_tool_config`).
* `tool` — `CallModelTool` (one verl tool per pool model, answered by xrouter's backends and metered) and
  `SelectResponseTool`; the episode's calls live in the rollout's `AgentData.extra_fields`.
* `reward` — `compute_score` for `reward.custom_reward_function` (xrouter's judge and registered reward) and
  `XRouterDAPORewardManager` (verl's DAPO reward manager, handed the tools' episode record).

verl is imported only where it is used and only if installed: without it every module imports, and the data
and reward interfaces run and are tested on CPU (tests/infra/test_verl_adapter.py).
"""

DATA_SOURCE = "xrouter_replay"
EPISODE_KEY = "xrouter_episode"  # the key of the episode record in AgentData.extra_fields
