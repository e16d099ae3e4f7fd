"""infra/verl (xrouter_verl): verl parquet rows without gold, the tools on the real replay world, the reward
against xrouter's reward functions, the tool config and the DAPO overrides. CPU only: verl is not installed
here, so the tools run on their local BaseTool stand-in (the same async interface)."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "infra" / "verl"))

from xrouter_verl import DATA_SOURCE, EPISODE_KEY
from xrouter_verl import tool as tool_module
from xrouter_verl.dataset import build_rows, tool_config, write_parquet
from xrouter_verl.reward import compute_score, episode_extra_info, final_answer
from xrouter_verl.tool import (
    MAX_RESULT_CHARS,
    OpenAIFunctionToolSchema,
    register_world,
    render_result,
    replay_world,
)

from xrouter.data.world import ReplayWorld
from xrouter.env.episode import EpisodeLimits
from xrouter.env.reward import RewardParams, get_reward

CONFIG = REPO / "infra" / "verl" / "config"
VERL_COLUMNS = {"data_source", "agent_name", "prompt", "ability", "reward_model", "extra_info"}
CHEAP, PRICEY = "gpt-4o-mini-2024-07-18", "o1-mini-2024-09-12"


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def adapter(data_dir, world, zeroeval_pool, monkeypatch_module):
    """The tools of the generated tool config, instantiated as verl's registry does, on the fixture world."""
    monkeypatch_module.delenv("XROUTER_VERL_DATA_DIR", raising=False)
    register_world(data_dir, world)  # the adapter would load the same tables from data_dir; reuse them

    def make(limits: EpisodeLimits | None = None) -> dict:
        tools = {}
        for entry in tool_config(zeroeval_pool, data_dir, limits=limits)["tools"]:
            module, name = entry["class_name"].rsplit(".", 1)
            cls = getattr(importlib.import_module(module), name)
            tool = cls(config=entry["config"], tool_schema=OpenAIFunctionToolSchema.model_validate(entry["tool_schema"]))
            tools[tool.name] = tool
        return tools

    return SimpleNamespace(tools=make(), make=make)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def call(tool, prompt_id: str, agent, **arguments):
    """What verl's ToolAgentLoop._call_tool does for one call: create, execute(agent_data=), release."""
    async def go():
        iid, _ = await tool.create(create_kwargs={"prompt_id": prompt_id})
        try:
            return await tool.execute(iid, arguments, agent_data=agent)
        finally:
            await tool.release(iid)

    response, step_reward, _ = run(go())
    assert step_reward == 0.0
    return response.text


def agent(turn: int = 1) -> SimpleNamespace:
    """The parts of verl's AgentData the tools use; `tool_rewards` is what ToolAgentLoop adds to every rollout."""
    return SimpleNamespace(extra_fields={}, assistant_turns=turn)


def find_prompt(world: ReplayWorld, ids: list[str], task: str | None = None) -> str:
    """A prompt where the cheap model's recorded answer is wrong and the pricey one's right."""
    for pid in ids:
        cheap, pricey = world.outcome(pid, CHEAP), world.outcome(pid, PRICEY)
        if (task is None or pid.startswith(task)) and cheap.correct == 0 and pricey.correct == 1 and pricey.score == 1.0:
            return pid
    raise AssertionError("no prompt with a wrong cheap and a right pricey answer")


def scored(row: dict, solution: str, holder, **kwargs) -> dict:
    extra = {**row["extra_info"], **holder.extra_fields, "tool_rewards": []}
    return compute_score(row["data_source"], solution, row["reward_model"]["ground_truth"], extra,
                         data_dir=str(kwargs.pop("data_dir")), **kwargs)


# -- rows -------------------------------------------------------------------------------------------------------
def test_rows_are_verl_rows_for_the_split(data_dir, world, zeroeval_pool, split_ids) -> None:
    rows = build_rows(data_dir, "train", "zeroeval", lambda_range=(0.5, 500.0), seed=3, world=world)
    assert [r["extra_info"]["prompt_id"] for r in rows] == split_ids["train"]
    tools = [m.tool for m in zeroeval_pool] + ["select_response"]
    question = dict(zip(world.prompts["prompt_id"], world.prompts["question"]))
    for i, row in enumerate(rows):
        pid, info = row["extra_info"]["prompt_id"], row["extra_info"]
        assert set(row) == VERL_COLUMNS
        assert (row["data_source"], row["agent_name"], row["ability"]) == (DATA_SOURCE, "tool_agent", "routing")
        assert [m["role"] for m in row["prompt"]] == ["system", "user"] and row["prompt"][1]["content"] == question[pid]
        assert row["reward_model"] == {"style": "rule", "ground_truth": pid}
        assert info["index"] == i and info["split"] == "train" and info["need_tools_kwargs"] is True
        assert list(info["tools_kwargs"]) == tools
        assert all(v == {"create_kwargs": {"prompt_id": pid}} for v in info["tools_kwargs"].values())
        assert 0.5 <= info["lam"] <= 500.0
        system = row["prompt"][0]["content"]
        assert f"Each dollar spent costs {info['lam']:g} reward points." in system
        assert all(t in system for t in tools) and '"arguments"' in system  # verl's hermes parser needs them
    lams = [r["extra_info"]["lam"] for r in rows]
    assert len(set(lams)) > 0.9 * len(lams)  # drawn per row
    again = build_rows(data_dir, "train", "zeroeval", seed=3, world=world, limit=20)
    other = build_rows(data_dir, "train", "zeroeval", seed=4, world=world, limit=20)
    assert [r["extra_info"]["lam"] for r in again] == lams[:20]  # seeded
    assert [r["extra_info"]["lam"] for r in other] != lams[:20]


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | set().union(*(_keys(v) for v in obj.values()))
    if isinstance(obj, list):
        return set().union(*(_keys(v) for v in obj)) if obj else set()
    return set()


def test_rows_carry_no_gold_and_no_recorded_grade(data_dir, world, split_ids) -> None:
    ids = split_ids["val"]
    rows = build_rows(data_dir, "val", "zeroeval", seed=0, world=world)
    assert not _keys(rows) & {"gold", "answer", "answers", "correct", "score", "outcome", "solution"}
    # every gold that is not already part of the question text, the prompt id or the tool list is absent
    gold = dict(zip(world.prompts["prompt_id"], world.prompts["gold"]))
    checked = 0
    for row in rows:
        g, pid = str(gold[row["extra_info"]["prompt_id"]]), row["extra_info"]["prompt_id"]
        visible = row["prompt"][0]["content"] + row["prompt"][1]["content"] + pid
        if len(g) >= 3 and g not in visible:
            checked += 1
            assert g not in json.dumps(row, ensure_ascii=False), pid
    assert checked > 100

    # a world whose golds are sentinels and whose recorded grades are flipped gives the very same rows
    keep = set(ids[:40])
    prompts = world.prompts[world.prompts["prompt_id"].isin(keep)].copy()
    outcomes = world.outcomes[world.outcomes["prompt_id"].isin(keep)].copy()
    responses = world.responses[world.responses["prompt_id"].isin(keep)]
    small = ReplayWorld(prompts.copy(), outcomes.copy(), responses, world.prices)
    prompts["gold"] = "GOLD-SENTINEL-" + prompts["prompt_id"]
    outcomes["correct"] = 1 - outcomes["correct"]
    outcomes["score"] = 1.0 - outcomes["score"]
    flipped = ReplayWorld(prompts, outcomes, responses, world.prices)
    a = build_rows(data_dir, "val", "zeroeval", seed=0, world=small)
    b = build_rows(data_dir, "val", "zeroeval", seed=0, world=flipped)
    assert len(a) == 40 and a == b
    assert "GOLD-SENTINEL" not in json.dumps(b)


def test_rows_survive_parquet(data_dir, world, tmp_path) -> None:
    rows = build_rows(data_dir, "test", "zeroeval", seed=0, world=world, limit=5)
    back = pd.read_parquet(write_parquet(rows, tmp_path / "test.parquet"))
    assert set(back.columns) == VERL_COLUMNS and len(back) == 5
    info = back.iloc[2]["extra_info"]
    assert info["prompt_id"] == rows[2]["extra_info"]["prompt_id"] and info["lam"] == rows[2]["extra_info"]["lam"]
    assert info["tools_kwargs"]["select_response"] == {"create_kwargs": {"prompt_id": info["prompt_id"]}}
    assert [dict(m) for m in back.iloc[2]["prompt"]] == rows[2]["prompt"]


# -- tools -------------------------------------------------------------------------------------------------------
def test_call_tool_returns_the_recorded_response_billed_at_its_price(adapter, world, zeroeval_pool, split_ids) -> None:
    pid = split_ids["train"][0]
    holder = agent()
    text = call(adapter.tools["call_gpt_4o_mini_2024_07_18"], pid, holder, optimized_system_prompt="Solve it.")
    recorded, outcome = world.response(pid, CHEAP), world.outcome(pid, CHEAP)
    spec = zeroeval_pool.get(CHEAP)
    price = (outcome.input_tokens * spec.input_usd_per_mtok
             + outcome.output_tokens * spec.output_token_multiplier * spec.output_usd_per_mtok) / 1e6
    assert price > 0 and outcome.cost_usd == pytest.approx(price)
    header = f"[call_gpt_4o_mini_2024_07_18] {CHEAP}, ${price:.5f}: "
    assert text.startswith(header) and len(text) <= MAX_RESULT_CHARS  # verl's cut never reaches the header
    assert text == header + recorded if len(header + recorded) <= MAX_RESULT_CHARS else \
        text == header + "..." + recorded[-(MAX_RESULT_CHARS - len(header) - 3):]
    ep = holder.extra_fields[EPISODE_KEY]
    assert ep["prompt_id"] == pid and ep["calls"][0]["cost_usd"] == pytest.approx(price)
    assert (ep["calls"][0]["input_tokens"], ep["calls"][0]["output_tokens"]) == (outcome.input_tokens, outcome.output_tokens)

    # a repeated call is named #2 and billed again; the record never holds a grade
    holder.assistant_turns = 2
    text2 = call(adapter.tools["call_gpt_4o_mini_2024_07_18"], pid, holder)
    assert text2.startswith("[call_gpt_4o_mini_2024_07_18#2]")
    assert [c["turn"] for c in ep["calls"]] == [1, 2]
    assert sum(c["cost_usd"] for c in ep["calls"]) == pytest.approx(2 * price)
    assert not _keys(ep) & {"correct", "score", "outcome", "gold"}


def test_results_fit_verls_cut_with_the_header_first() -> None:
    entry = {"call_name": "call_o1_mini_2024_09_12#2", "model": PRICEY, "cost_usd": 0.0123, "error": None}
    body = "step " * 300 + "so the answer is \\boxed{42}"
    text = render_result(entry, SimpleNamespace(text=body), 512)
    assert len(text) == 512 and text.startswith(f"[call_o1_mini_2024_09_12#2] {PRICEY}, $0.01230: ...")
    assert text.endswith("\\boxed{42}")  # the tail, where answers sit, survives
    assert render_result(entry, SimpleNamespace(text="42"), 512) == f"[call_o1_mini_2024_09_12#2] {PRICEY}, $0.01230: 42"
    failed = {**entry, "error": "Timeout: " + "x" * 1000}
    assert render_result(failed, None, 200).startswith(f"[call_o1_mini_2024_09_12#2] {PRICEY}, $0.01230: ...")
    with pytest.raises(ValueError, match="max_result_chars=20"):
        render_result(entry, None, 20)


def test_the_replay_world_loads_once_under_a_thread_pool(data_dir, world) -> None:
    from concurrent.futures import ThreadPoolExecutor

    key = str(Path(data_dir).resolve())
    held = tool_module._WORLDS.pop(key, None)
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:  # as DAPO's agent-loop workers call the tools
            worlds = list(pool.map(lambda _: replay_world(data_dir), range(6)))
        assert all(w is worlds[0] for w in worlds) and len(worlds[0].prompts) == len(world.prompts)
    finally:
        if held is not None:
            tool_module._WORLDS[key] = held


def test_select_ends_the_episode_and_limits_refuse_calls(adapter, split_ids) -> None:
    pid = split_ids["train"][1]
    holder = agent()
    assert "no response to select" in call(adapter.tools["select_response"], pid, holder)
    call(adapter.tools["call_gpt_4o_mini_2024_07_18"], pid, holder)
    call(adapter.tools["call_o1_mini_2024_09_12"], pid, holder)
    holder.assistant_turns = 2
    out = call(adapter.tools["select_response"], pid, holder, model_call_name="call_gpt_4o_mini_2024_07_18")
    ep = holder.extra_fields[EPISODE_KEY]
    assert out.startswith("Selected [call_gpt_4o_mini_2024_07_18]") and ep["selected"] == "call_gpt_4o_mini_2024_07_18"
    assert ep["ended"] == "select_response"
    holder.assistant_turns = 3
    spent = sum(c["cost_usd"] for c in ep["calls"])
    assert "episode has ended" in call(adapter.tools["call_gpt_4o_2024_08_06"], pid, holder)
    assert len(ep["calls"]) == 2 and sum(c["cost_usd"] for c in ep["calls"]) == spent

    tools = adapter.make(EpisodeLimits(max_turns=3, max_calls=2, max_cost_usd=1.0))
    holder = agent()
    call(tools["call_gpt_4o_mini_2024_07_18"], pid, holder)
    call(tools["call_gemini_1_5_flash"], pid, holder)
    assert holder.extra_fields[EPISODE_KEY]["ended"] == "max_calls_reached"
    assert "episode has ended" in call(tools["call_o1_mini_2024_09_12"], pid, holder)
    assert len(holder.extra_fields[EPISODE_KEY]["calls"]) == 2
    holder = agent(turn=4)  # past env.limits.max_turns (verl's 4th reply is not an action)
    assert "Turn limit" in call(tools["call_gpt_4o_mini_2024_07_18"], pid, holder)
    assert holder.extra_fields[EPISODE_KEY]["calls"] == []


# -- reward ------------------------------------------------------------------------------------------------------
def transcript(*turns: tuple[str, str], closing: str = "") -> str:
    """A decoded Qwen2.5 multi-turn response (skip_special_tokens): replies, tool results, the closing reply."""
    out = ""
    for reply, result in turns:
        out += f"{reply}user\n<tool_response>\n{result}\n</tool_response>\nassistant\n"
    return out + closing


def test_reward_is_xrouters_reward_on_the_episode_cost(adapter, data_dir, world, zeroeval_pool, split_ids) -> None:
    row = next(r for r in build_rows(data_dir, "train", "zeroeval", seed=1, world=world)
               if r["extra_info"]["prompt_id"] == find_prompt(world, split_ids["train"], "gsm"))
    pid, lam = row["extra_info"]["prompt_id"], row["extra_info"]["lam"]
    cheap, pricey = zeroeval_pool.get(CHEAP), zeroeval_pool.get(PRICEY)
    o_cheap, o_pricey = world.outcome(pid, CHEAP), world.outcome(pid, PRICEY)
    cost = cheap.cost_usd(o_cheap.input_tokens, o_cheap.output_tokens) + pricey.cost_usd(o_pricey.input_tokens,
                                                                                          o_pricey.output_tokens)
    kw = {"data_dir": data_dir, "reward": {"name": "xrouter_code", "K": 1.0, "cost_max": 0.6}}

    def episode(select: str) -> SimpleNamespace:
        holder = agent()
        r1 = call(adapter.tools[cheap.tool], pid, holder)
        r2 = call(adapter.tools[pricey.tool], pid, holder)
        holder.assistant_turns = 2
        call(adapter.tools["select_response"], pid, holder, model_call_name=select)
        holder.solution = transcript((f'<tool_call>{{"name": "{cheap.tool}", "arguments": {{}}}}</tool_call>', r1),
                                     (f'<tool_call>{{"name": "{pricey.tool}", "arguments": {{}}}}</tool_call>', r2),
                                     ('<tool_call>{"name": "select_response", "arguments": {}}</tool_call>', "Selected"),
                                     closing="Done.")
        return holder

    right = episode(pricey.tool)
    got = scored(row, right.solution, right, **kw)
    expected = 1.0 * (1.0 - min(lam * cost, 0.6))
    assert got["acc"] == 1.0 and got["answered"] == 1.0 and got["n_calls"] == 2.0 and got["lam"] == lam
    assert got["cost_usd"] == pytest.approx(cost)
    assert got["score"] == pytest.approx(expected)
    assert got["score"] == pytest.approx(get_reward("xrouter_code")(1.0, cost, lam, RewardParams()))
    assert 0.4 <= got["score"] < 1.0  # the cost was charged

    wrong = episode(cheap.tool)
    got = scored(row, wrong.solution, wrong, **kw)
    assert (got["acc"], got["score"]) == (0.0, 0.0) and got["cost_usd"] == pytest.approx(cost)
    card = scored(row, wrong.solution, wrong, data_dir=data_dir, reward={"name": "paper_card", "cost_scale": 0.01})
    assert card["score"] == pytest.approx(0.0 - lam * min(cost / 0.01, 1.0))  # a wrong answer pays for its calls


def test_reward_endings_follow_the_routing_env(adapter, data_dir, world, zeroeval_pool, split_ids) -> None:
    pid = find_prompt(world, split_ids["train"], "crux")
    row = build_rows(data_dir, "train", "zeroeval", world=world)[split_ids["train"].index(pid)]
    gold = dict(zip(world.prompts["prompt_id"], world.prompts["gold"]))[pid]

    # no call: the router's own closing text is graded against the gold (cost 0: reward K)
    got = scored(row, f'{{"answer": "{gold}"}}', agent(), data_dir=data_dir)
    assert (got["acc"], got["score"], got["cost_usd"], got["n_calls"]) == (1.0, 1.0, 0.0, 0.0)
    got = scored(row, '{"answer": "[]"}', agent(), data_dir=data_dir)
    assert (got["acc"], got["score"]) == (0.0, 0.0)

    # calling at the last action (turn 3 = max_turns) ends with the priciest answer, whatever the router wrote
    holder = agent(turn=3)
    r1 = call(adapter.tools["call_o1_mini_2024_09_12"], pid, holder)
    r2 = call(adapter.tools["call_gpt_4o_mini_2024_07_18"], pid, holder)
    solution = transcript(("<tool_call>...</tool_call>", r1), ("<tool_call>...</tool_call>", r2), closing='{"answer": "[]"}')
    end = final_answer(holder.extra_fields[EPISODE_KEY], solution, zeroeval_pool, EpisodeLimits())
    assert end["strategy"] == "max_turns_reached" and end["model"] == PRICEY
    got = scored(row, solution, holder, data_dir=data_dir)
    assert got["acc"] == 1.0

    # earlier calls, then an answer of its own: direct_response, graded (wrong here) and charged
    holder = agent(turn=1)
    call(adapter.tools["call_o1_mini_2024_09_12"], pid, holder)
    solution = transcript(("<tool_call>...</tool_call>", "result"), closing='{"answer": "[]"}')
    assert final_answer(holder.extra_fields[EPISODE_KEY], solution, zeroeval_pool, EpisodeLimits())["strategy"] == (
        "direct_response")
    got = scored(row, solution, holder, data_dir=data_dir, reward={"name": "paper_card"})
    assert got["acc"] == 0.0 and got["score"] < 0.0

    # the stock DAPO manager would hand over extra_info without the tool fields: refuse, never score $0
    with pytest.raises(ValueError, match="tool fields"):
        compute_score(DATA_SOURCE, "x", pid, dict(row["extra_info"]), data_dir=str(data_dir))
    merged = episode_extra_info({"extra_info": dict(row["extra_info"]),
                                 "tool_extra_fields": {**holder.extra_fields, "tool_rewards": []}})
    assert merged[EPISODE_KEY] is holder.extra_fields[EPISODE_KEY] and merged["lam"] == row["extra_info"]["lam"]
    with pytest.raises(ValueError, match="mismatch"):
        compute_score(DATA_SOURCE, "x", "crux:other", {**row["extra_info"], "tool_rewards": []}, data_dir=str(data_dir))


# -- configs -----------------------------------------------------------------------------------------------------
def _schemas(cfg: dict) -> list[dict]:
    return [t["tool_schema"] for t in cfg["tools"]]


def test_tool_config_lists_every_pool_model(data_dir, zeroeval_pool) -> None:
    cfg = tool_config(zeroeval_pool, data_dir)
    names = [t["tool_schema"]["function"]["name"] for t in cfg["tools"]]
    assert names == [m.tool for m in zeroeval_pool] + ["select_response"] and len(names) == 29
    assert [t["config"]["model"] for t in cfg["tools"][:-1]] == zeroeval_pool.ids
    assert all(t["config"]["type"] == "native" for t in cfg["tools"])  # verl's ToolType(config.type)
    for t, m in zip(cfg["tools"], zeroeval_pool):
        assert f"${m.input_usd_per_mtok:g}/M input tokens" in t["tool_schema"]["function"]["description"]
        props = t["tool_schema"]["function"]["parameters"]["properties"]
        assert all(set(p) <= {"type", "description", "enum"} for p in props.values())
    committed = yaml.safe_load((CONFIG / "tools.yaml").read_text())
    assert _schemas(committed) == _schemas(cfg)  # in sync with the pool and the price catalog
    assert [t["class_name"] for t in committed["tools"]] == [t["class_name"] for t in cfg["tools"]]
    assert [t["config"].get("model") for t in committed["tools"]] == [t["config"].get("model") for t in cfg["tools"]]
    assert committed["tools"][0]["config"]["limits"] == EpisodeLimits().model_dump()


def test_dapo_overrides(zeroeval_pool) -> None:
    from xrouter.config import load_params

    cfg = yaml.safe_load((CONFIG / "dapo_xrouter.yaml").read_text())
    env = load_params(REPO / "params.yaml").env
    assert cfg["defaults"] == ["ppo_trainer", "_self_"] and cfg["hydra"]["searchpath"] == ["pkg://verl.trainer.config"]
    actor, rollout = cfg["actor_rollout_ref"]["actor"], cfg["actor_rollout_ref"]["rollout"]
    assert (actor["clip_ratio_low"], actor["clip_ratio_high"]) == (0.2, 0.28)
    assert actor["loss_agg_mode"] == "token-mean" and actor["use_kl_loss"] is False
    assert cfg["algorithm"]["use_kl_in_reward"] is False and cfg["algorithm"]["adv_estimator"] == "grpo"
    assert cfg["algorithm"]["filter_groups"]["enable"] is True and cfg["algorithm"]["filter_groups"]["metric"] == "reward"
    overlong = cfg["reward"]["reward_kwargs"]["overlong_buffer_cfg"]
    assert overlong["enable"] is True and 0 < overlong["len"] < cfg["data"]["max_response_length"]
    assert cfg["reward"]["reward_kwargs"]["max_resp_len"] == "${data.max_response_length}"
    model = cfg["actor_rollout_ref"]["model"]
    assert model["path"] == "Qwen/Qwen2.5-7B-Instruct" and {"lora_rank", "lora_alpha", "target_modules"} <= set(model)
    assert rollout["name"] == "vllm" and rollout["n"] >= 2 and rollout["agent"]["default_agent_loop"] == "tool_agent"
    mt = rollout["multi_turn"]
    assert mt["enable"] is True and mt["format"] == "hermes" and mt["tool_config_path"].endswith("tools.yaml}")
    assert mt["max_assistant_turns"] == env.limits.max_turns + 1 and mt["max_parallel_calls"] == env.limits.max_calls
    assert mt["max_tool_response_length"] == MAX_RESULT_CHARS  # the tools render results to fit verl's cut
    # no flash-attn in the image: sdpa, and no remove-padding (it packs sequences for flash-attn's varlen kernel)
    assert model["override_config"]["attn_implementation"] == "sdpa" and model["use_remove_padding"] is False
    # the reward hooks name real objects, with params.yaml's reward and limits
    manager, fn = cfg["reward"]["reward_manager"], cfg["reward"]["custom_reward_function"]
    assert manager["source"] == "importlib" and manager["module"]["path"] == fn["path"] == "pkg://xrouter_verl.reward"
    module = importlib.import_module(fn["path"].removeprefix("pkg://"))
    assert callable(getattr(module, fn["name"])) and hasattr(module, manager["name"])
    kwargs = fn["reward_kwargs"]
    assert kwargs["pool"] == env.pool and kwargs["limits"] == env.limits.model_dump()
    assert RewardParams(**kwargs["reward"]) == env.reward


def test_adapter_imports_without_verl() -> None:
    tool = importlib.import_module("xrouter_verl.tool")
    if importlib.util.find_spec("verl") is None:
        assert tool.HAVE_VERL is False
        with pytest.raises(ImportError, match="verl"):
            importlib.import_module("xrouter_verl.reward").XRouterDAPORewardManager()
