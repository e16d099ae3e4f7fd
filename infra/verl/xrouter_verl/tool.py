"""verl tools of a routing episode: `CallModelTool` (one per pool model) and `SelectResponseTool`.

How verl 0.9 drives a tool (`verl/experimental/agent_loop/tool_agent_loop.py`, `ToolAgentLoop._call_tool`):
for every tool call of a reply it runs `create(create_kwargs=tools_kwargs[name]["create_kwargs"])`, then
`execute(instance_id, arguments, agent_data=agent_data)`, then `release(instance_id)` — a fresh instance per
call. So the episode (every call's model, tokens and cost, the selection) cannot live in a tool instance: it
lives in `agent_data.extra_fields[EPISODE_KEY]`, which verl documents as the place for tool session data and
which reaches the reward manager as `tool_extra_fields` (see `reward.XRouterDAPORewardManager`).

A call is answered by xrouter's backend — `ReplayBackend` (the recorded response, billed at the catalog
price; the default) or `LiteLLMBackend` (live) — exactly as `RoutingEnv` does: the model receives
`[system: optimized_system_prompt, user: the query]`, calls are named `call_<model>`, `#2`, `#3` on repeats,
an errored call costs nothing, and the limits of `EpisodeLimits` apply (a call past `max_calls` or once
`max_cost_usd` is spent is refused, and the episode ends with the best answer so far). The recorded grade
(`Completion.outcome`) is never written to the episode record nor shown to the policy: the reward looks it up.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any
from uuid import uuid4

from pydantic import BaseModel, Field

from xrouter.backends.base import Backend, BackendError, Completion
from xrouter.backends.replay import ReplayBackend
from xrouter.data.world import ReplayWorld
from xrouter.env.rules import (
    EpisodeLimits, calls_allowed, limit_after_calls, tool_result_line, unique_call_name,
)
from xrouter.env.queries import replay_queries
from xrouter.env.tools import SELECT_RESPONSE
from xrouter.env.types import Query
from xrouter.pool import ModelPool, ModelSpec, load_pool
from xrouter_verl import EPISODE_KEY

try:  # the GPU environment (infra/gpu/requirements.lock: verl 0.9.1)
    from verl.tools.base_tool import BaseTool
    from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse

    HAVE_VERL = True
except ImportError:  # CPU: local stand-ins with the same shape, so the tools import and run in tests
    HAVE_VERL = False

    class _FunctionSchema(BaseModel):
        name: str
        description: str = ""
        parameters: dict[str, Any] = Field(default_factory=dict)

    class OpenAIFunctionToolSchema(BaseModel):  # type: ignore[no-redef]
        type: str = "function"
        function: _FunctionSchema

    class ToolResponse(BaseModel):  # type: ignore[no-redef]
        text: str | None = None
        image: list[Any] | None = None
        video: list[Any] | None = None

    class BaseTool:  # type: ignore[no-redef]
        """verl.tools.base_tool.BaseTool's interface (0.9.1): async create / execute / calc_reward / release."""

        def __init__(self, config: dict, tool_schema: OpenAIFunctionToolSchema) -> None:
            self.config = config
            self.tool_schema = tool_schema
            self.name = tool_schema.function.name

        def get_openai_tool_schema(self) -> OpenAIFunctionToolSchema:
            return self.tool_schema

        async def create(self, instance_id: str | None = None, **kwargs) -> tuple[str, ToolResponse]:
            return instance_id or str(uuid4()), ToolResponse()

        async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs) -> tuple[ToolResponse, float, dict]:
            raise NotImplementedError

        async def calc_reward(self, instance_id: str, **kwargs) -> float:
            return 0.0

        async def release(self, instance_id: str, **kwargs) -> None:
            return None


DATA_DIR_ENV = "XROUTER_VERL_DATA_DIR"  # overrides the tool config's / reward kwargs' data_dir on a node
# verl keeps only `multi_turn.max_tool_response_length` characters of a tool result (its tail, with
# `tool_response_truncate_side: left`): a result is rendered to fit it, header first, so the `[call_name] model,
# $cost:` header survives and the response's tail fills the rest (as the CPU chat does, rl/llm/chat.py).
# Keep equal to max_tool_response_length in config/dapo_xrouter.yaml (a test checks); `max_result_chars` in a
# tool's config overrides it.
MAX_RESULT_CHARS = 512

# -- per-process shared state: every tool instance and the reward of one worker read one replay world --------
_WORLDS: dict[str, ReplayWorld] = {}
_QUERIES: dict[int, tuple[ReplayWorld, dict[str, Query]]] = {}  # id(world) -> (world, its queries)
_POOLS: dict[tuple[str, int], tuple[ReplayWorld | None, ModelPool]] = {}
# DAPO's agent loop runs tools (and the reward its scoring) on thread pools: without the lock each thread that
# arrives before the first load finishes would load its own copy of the world (seconds and ~hundreds of MB each)
_LOAD_LOCK = threading.RLock()


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    value = os.environ.get(DATA_DIR_ENV) or data_dir
    if not value:
        raise ValueError(f"no data_dir: set it in the tool config / reward_kwargs, or export {DATA_DIR_ENV}")
    return Path(value).expanduser().resolve()


def register_world(data_dir: str | Path, world: ReplayWorld) -> None:
    """Use an already loaded world for `data_dir` in this process (a driver or a test that holds one)."""
    _WORLDS[str(Path(data_dir).expanduser().resolve())] = world


def replay_world(data_dir: str | Path | None) -> ReplayWorld:
    """The replay world of a prepared data folder (`make run`'s `data/`), loaded once per process."""
    key = str(resolve_data_dir(data_dir))
    world = _WORLDS.get(key)
    if world is None:
        with _LOAD_LOCK:  # once per process, whatever the number of threads asking at once
            world = _WORLDS.get(key)
            if world is None:
                world = _WORLDS[key] = ReplayWorld.from_data_dir(Path(key))
    return world


def query_of(world: ReplayWorld, prompt_id: str) -> Query:
    held = _QUERIES.get(id(world))
    if held is None or held[0] is not world:
        with _LOAD_LOCK:
            held = _QUERIES.get(id(world))
            if held is None or held[0] is not world:
                held = _QUERIES[id(world)] = (world, {q.prompt_id: q for q in replay_queries(world)})
    table = held[1]
    if prompt_id not in table:
        raise KeyError(f"prompt '{prompt_id}' is not in the replay world")
    return table[prompt_id]


def pool_of(config: dict[str, Any], world: ReplayWorld | None) -> ModelPool:
    """The pool named in `config` (`pool`, default zeroeval), priced from the world's catalog; cached."""
    name = config.get("pool", "zeroeval")
    key = (name, id(world))
    held = _POOLS.get(key)
    if held is None or held[0] is not world:
        with _LOAD_LOCK:
            held = _POOLS.get(key)
            if held is None or held[0] is not world:
                held = _POOLS[key] = (world, load_pool(name, None if world is None else world.prices))
    return held[1]


def make_backend(config: dict[str, Any], world: ReplayWorld, pool: ModelPool) -> Backend:
    kind = config.get("backend", "replay")
    if kind == "replay":
        return ReplayBackend(world)
    if kind == "litellm":
        from xrouter.backends.litellm_backend import LiteLLMBackend

        return LiteLLMBackend.for_pool(pool, **(config.get("litellm") or {}))
    raise ValueError(f"tool config: backend must be 'replay' or 'litellm', got {kind!r}")


# -- the episode record (plain JSON-able dicts: it travels through Ray with the rollout) ----------------------
def new_episode(prompt_id: str, backend: str) -> dict[str, Any]:
    # ended: None while the episode runs; select_response | select_failed_call | max_calls_reached |
    # max_cost_reached once a tool has ended it (then every further call or selection is refused).
    return {"prompt_id": prompt_id, "backend": backend, "calls": [], "selected": None, "ended": None}


def episode_of(holder: Any, prompt_id: str, backend: str) -> dict[str, Any]:
    """The episode record kept in `holder.extra_fields` (verl's AgentData), created on the first call."""
    fields = getattr(holder, "extra_fields", None)
    if not isinstance(fields, dict):
        raise TypeError(
            "xrouter tools keep the episode in AgentData.extra_fields: run them under verl's ToolAgentLoop "
            "(verl 0.9 passes agent_data= to execute), or pass an object with an `extra_fields` dict"
        )
    ep = fields.setdefault(EPISODE_KEY, new_episode(prompt_id, backend))
    if ep["prompt_id"] != prompt_id:
        raise ValueError(f"episode of prompt '{ep['prompt_id']}' got a call for prompt '{prompt_id}'")
    return ep


def episode_cost(ep: dict[str, Any]) -> float:
    return float(sum(c["cost_usd"] for c in ep["calls"]))


class _EpisodeTool(BaseTool):
    """What both tools share: the world, pool, limits and backend of the config, and the per-call instances."""

    def __init__(self, config: dict, tool_schema: OpenAIFunctionToolSchema) -> None:
        super().__init__(config, tool_schema)
        self.config = dict(config)
        self.backend_kind = self.config.get("backend", "replay")
        self.limits = EpisodeLimits(**(self.config.get("limits") or {}))
        self._backend: Backend | None = None
        self._instances: dict[str, str] = {}  # instance id -> prompt id

    # The world is loaded on the first call, not at construction: verl also builds the tools where it only
    # needs their schemas (RLHFDataset's prompt-length filter, in the driver).
    @property
    def world(self) -> ReplayWorld:
        return replay_world(self.config.get("data_dir"))

    @property
    def pool(self) -> ModelPool:
        return pool_of(self.config, self.world)

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = make_backend(self.config, self.world, self.pool)
        return self._backend

    async def create(self, instance_id: str | None = None, **kwargs) -> tuple[str, ToolResponse]:
        create_kwargs = kwargs.get("create_kwargs") or {}
        prompt_id = create_kwargs.get("prompt_id") or kwargs.get("prompt_id")
        if not prompt_id:
            raise ValueError(f"tool '{self.name}': no prompt_id; the dataset row must carry "
                             f"extra_info.tools_kwargs.{self.name}.create_kwargs.prompt_id")
        instance_id = instance_id or str(uuid4())
        self._instances[instance_id] = str(prompt_id)
        return instance_id, ToolResponse()

    async def release(self, instance_id: str, **kwargs) -> None:
        self._instances.pop(instance_id, None)

    def _episode(self, instance_id: str, kwargs: dict[str, Any]) -> tuple[dict[str, Any], int]:
        if instance_id not in self._instances:
            raise KeyError(f"tool '{self.name}': unknown instance '{instance_id}' (call create first)")
        agent = kwargs.get("agent_data")
        ep = episode_of(agent, self._instances[instance_id], self.backend_kind)
        # the reply that asked for this call is the agent's `assistant_turns`-th generation
        turn = int(getattr(agent, "assistant_turns", 0) or 0) or 1 + max((c["turn"] for c in ep["calls"]), default=0)
        return ep, turn

    def _refusal(self, ep: dict[str, Any], turn: int) -> str | None:
        if ep["ended"]:
            return f"The episode has ended ({ep['ended']}); no further tool calls are carried out."
        if turn > self.limits.max_turns:
            return f"Turn limit reached ({self.limits.max_turns} actions); no further tool calls are carried out."
        return None


class CallModelTool(_EpisodeTool):
    """`call_<model>(optimized_system_prompt, temperature)`: the pool model answers the episode's query."""

    _spec: ModelSpec | None = None

    @property
    def spec(self) -> ModelSpec:
        if self._spec is None:
            model = self.config.get("model")
            spec = self.pool.get(model) if model else self.pool.by_tool(self.name)
            if spec.tool != self.name:
                raise ValueError(f"tool '{self.name}' is configured for model '{spec.id}' (tool {spec.tool})")
            self._spec = spec
        return self._spec

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs) -> tuple[ToolResponse, float, dict]:
        ep, turn = self._episode(instance_id, kwargs)
        refusal = self._refusal(ep, turn)
        if refusal is None and not calls_allowed(len(ep["calls"]), 1, self.limits):
            refusal = f"Call limit reached ({self.limits.max_calls} calls); no further calls are carried out."
        if refusal is not None:
            return ToolResponse(text=refusal), 0.0, {"refused": 1}

        query = query_of(self.world, ep["prompt_id"])
        prompt = parameters.get("optimized_system_prompt") if isinstance(parameters, dict) else None
        try:
            temperature = float((parameters or {}).get("temperature") or 0.0)
        except (TypeError, ValueError):
            temperature = 0.0
        messages = [{"role": "system", "content": prompt if isinstance(prompt, str) else ""},
                    {"role": "user", "content": query.text}]
        # reserve the slot before any await, so concurrent calls of one reply respect max_calls
        name = unique_call_name({c["call_name"] for c in ep["calls"]}, self.name)
        entry: dict[str, Any] = {"turn": turn, "call_name": name, "model": self.spec.id,
                                 "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "error": None}
        ep["calls"].append(entry)
        try:
            if self.backend.name == "replay":  # in-memory lookups: no thread needed
                completion = self.backend.complete(self.spec.id, messages, temperature=temperature,
                                                   prompt_id=query.prompt_id)
            else:
                completion = await asyncio.to_thread(self.backend.complete, self.spec.id, messages,
                                                     temperature=temperature, prompt_id=query.prompt_id)
        except BackendError as err:
            entry["error"] = f"{type(err).__name__}: {err}"
            completion = None
        if completion is not None:
            self._record(entry, completion)
        self._check_limits(ep)
        text = render_result(entry, completion, int(self.config.get("max_result_chars", MAX_RESULT_CHARS)))
        return ToolResponse(text=text), 0.0, {"model": self.spec.id, "cost_usd": entry["cost_usd"]}

    def _record(self, entry: dict[str, Any], c: Completion) -> None:
        entry.update(model=c.model, input_tokens=int(c.input_tokens), output_tokens=int(c.output_tokens),
                     cost_usd=float(c.cost_usd))
        if self.backend.name != "replay":  # live text cannot be looked up again by the reward
            entry["text"] = c.text

    def _check_limits(self, ep: dict[str, Any]) -> None:  # as RoutingEnv, after the call
        limit = None if ep["ended"] else limit_after_calls(episode_cost(ep), len(ep["calls"]), self.limits)
        if limit is not None:
            ep["ended"] = f"{limit}_reached"


def render_result(entry: dict[str, Any], c: Completion | None, max_chars: int = MAX_RESULT_CHARS) -> str:
    """`[call_name] model, $cost: <text>` within `max_chars` characters: the body (the response, or the error) is
    cut to its tail, marked `...`, so verl's own truncation never reaches the header."""
    header = tool_result_line(entry["call_name"], entry["model"], entry["cost_usd"], "", None)
    body = f"ERROR {entry['error']}" if entry["error"] else ("" if c is None else c.text)
    room = max_chars - len(header)
    if room < 4:
        raise ValueError(f"max_result_chars={max_chars} leaves no room for a response after the header {header!r}")
    if len(body) > room:
        body = "..." + body[-(room - 3):]
    return header + body


class SelectResponseTool(_EpisodeTool):
    """`select_response(model_call_name)`: an earlier call's response becomes the final answer; the episode
    ends. As in `xrouter.rl.llm.chat.parse_reply`, an unknown or missing name selects the latest call."""

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs) -> tuple[ToolResponse, float, dict]:
        ep, turn = self._episode(instance_id, kwargs)
        refusal = self._refusal(ep, turn)
        if refusal is not None:
            return ToolResponse(text=refusal), 0.0, {"refused": 1}
        if not ep["calls"]:
            return ToolResponse(text="There is no response to select yet: call a model first."), 0.0, {"refused": 1}
        wanted = (parameters or {}).get("model_call_name") if isinstance(parameters, dict) else None
        names = [c["call_name"] for c in ep["calls"]]
        name = wanted if wanted in names else names[-1]
        chosen = ep["calls"][names.index(name)]
        ep["selected"] = name
        ep["ended"] = "select_failed_call" if chosen["error"] else "select_response"
        note = "That call had failed: the episode ends without an answer." if chosen["error"] else (
            "The episode is over: end your turn without another tool call.")
        return ToolResponse(text=f"Selected [{name}] ({chosen['model']}). {note}"), 0.0, {"selected": name}


def tool_class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


__all__ = [
    "HAVE_VERL",
    "MAX_RESULT_CHARS",
    "SELECT_RESPONSE",
    "BaseTool",
    "CallModelTool",
    "OpenAIFunctionToolSchema",
    "SelectResponseTool",
    "ToolResponse",
    "episode_cost",
    "new_episode",
    "register_world",
    "render_result",
    "replay_world",
]
