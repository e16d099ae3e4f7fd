"""A small OpenAI-compatible server over a Hugging Face causal LM on CPU: the stand-in for `vllm serve` where
there is no GPU (tests, laptops). It speaks the parts of vLLM's API the `EndpointRouter` uses:

- `POST /v1/chat/completions`: the model's chat template renders `messages`; a final assistant message is
  continued when `continue_final_message` is true (vLLM's prefill); `structured_outputs: {"choice": [...]}`
  (or the older `guided_choice`) restricts the reply to exactly one of the choices; `tools` are parsed from
  the reply the Hermes way (`<tool_call>{"name": ..., "arguments": ...}</tool_call>` → `tool_calls`), and
  `tool_choice: "required"` (or a named function) makes the reply one call to one of the tools.
- `POST /v1/completions`: a raw `prompt`, optionally with the same choice constraint.
- `GET /v1/models`.

Decoding is greedy (the router acts greedily); a constrained choice follows the canonical tokenization of each
choice (`CompletionTrie`) and stops when no choice is left. `usage` counts real tokens. Run it with
`python -m xrouter.rl.llm.serve_local --model models/llm_router/model --port 8001`, or in-process with
`LocalServer(model_dir).start()` (tests).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Self

import torch
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from xrouter.rl.llm.policy import CompletionTrie

TOOL_PREFILL = '<tool_call>{"name": "'
_HERMES = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)


class LocalLM:
    """Greedy decoding, free or constrained to a set of choices, over a causal LM; one request at a time."""

    def __init__(self, model: Any, tokenizer: Any, name: str) -> None:
        self.model, self.tokenizer, self.name = model.eval(), tokenizer, name
        eos = model.generation_config.eos_token_id
        self.stop_ids = set(eos if isinstance(eos, list) else [eos])
        self.stop_id = eos[0] if isinstance(eos, list) else eos
        self.lock = threading.Lock()  # one forward pass at a time: CPU threads are shared anyway

    @classmethod
    def load(cls, model_dir: str | Path, name: str | None = None) -> LocalLM:
        from transformers import AutoTokenizer  # noqa: PLC0415

        from xrouter.models.loading import load_causal_lm  # noqa: PLC0415

        return cls(load_causal_lm(Path(model_dir)), AutoTokenizer.from_pretrained(Path(model_dir)),
                   name or Path(model_dir).name)

    def chat_prompt(self, messages: list[dict[str, Any]], continue_final: bool) -> list[int]:
        msgs = [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
        ids = self.tokenizer.apply_chat_template(msgs, tokenize=True, add_generation_prompt=not continue_final,
                                                 continue_final_message=continue_final)
        return list(ids["input_ids"] if hasattr(ids, "keys") else ids)

    def text_prompt(self, prompt: str) -> list[int]:
        return list(self.tokenizer(prompt)["input_ids"])

    @torch.no_grad()
    def generate(self, prompt: list[int], max_tokens: int, choices: list[str] | None = None) -> tuple[str, int, str]:
        """(text, generated tokens, finish_reason): greedy, within `choices` when given."""
        trie = CompletionTrie(self.tokenizer, choices, self.stop_id) if choices else None
        with self.lock:
            out = self.model(input_ids=torch.tensor([prompt]), use_cache=True)
            gen: list[int] = []
            finish = "length"
            for _ in range(max_tokens if trie is None else 10_000):
                logits = out.logits[0, -1]
                if trie is not None:
                    allowed = trie.allowed(gen)
                    nxt = allowed[int(logits[allowed].argmax())]
                else:
                    nxt = int(logits.argmax())
                if nxt in self.stop_ids:
                    finish = "stop"
                    break
                gen.append(nxt)
                tail = trie.forced_tail(gen) if trie is not None else None
                if tail is not None:  # no choice left: the rest of the choice is written without the model
                    gen.extend(tail[:-1])
                    finish = "stop"
                    break
                out = self.model(input_ids=torch.tensor([[nxt]]), past_key_values=out.past_key_values, use_cache=True)
        return self.tokenizer.decode(gen, skip_special_tokens=True), len(gen), finish


def _choices(body: dict[str, Any]) -> list[str] | None:
    so = body.get("structured_outputs") or {}
    choices = so.get("choice") if isinstance(so, dict) else None
    choices = choices or body.get("guided_choice")
    if choices is not None and (not isinstance(choices, list) or not choices
                                or not all(isinstance(c, str) and c for c in choices)):
        raise HTTPException(400, "structured_outputs.choice must be a non-empty list of non-empty strings")
    return choices


def _hermes_calls(text: str) -> tuple[str | None, list[dict[str, Any]]]:
    """(remaining content, OpenAI tool_calls) from a Hermes-style reply."""
    calls = []
    for raw in _HERMES.findall(text):
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("name"), str):
            calls.append({"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                          "function": {"name": obj["name"], "arguments": json.dumps(obj.get("arguments") or {})}})
    rest = _HERMES.sub("", text).strip() if calls else text
    return (rest or None), calls


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def build_app(lm: LocalLM) -> FastAPI:
    app = FastAPI(title=f"local OpenAI-compatible server ({lm.name})")

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": lm.name, "object": "model", "owned_by": "local"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise HTTPException(400, "messages must be a non-empty list")
        choices = _choices(body)
        tools = body.get("tools") or []
        tool_choice = body.get("tool_choice", "auto" if tools else "none")
        continue_final = bool(body.get("continue_final_message")) and messages[-1].get("role") == "assistant"
        max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or 256)
        forced_tools = None
        if tools and (tool_choice == "required" or isinstance(tool_choice, dict)):
            names = ([tool_choice["function"]["name"]] if isinstance(tool_choice, dict)
                     else [t["function"]["name"] for t in tools])
            forced_tools = [f'{n}"}}</tool_call>' for n in names]
            messages = [*messages, {"role": "assistant", "content": TOOL_PREFILL}]
            continue_final = True
        prompt = lm.chat_prompt(messages, continue_final)
        text, n, finish = await _run(lm.generate, prompt, max_tokens, forced_tools or choices)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if tools and tool_choice != "none":
            content, calls = _hermes_calls(TOOL_PREFILL + text if forced_tools else text)
            if calls:
                message, finish = {"role": "assistant", "content": content, "tool_calls": calls}, "tool_calls"
        return JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", lm.name),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": _usage(len(prompt), n),
        })

    @app.post("/v1/completions")
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        if not isinstance(body.get("prompt"), str):
            raise HTTPException(400, "prompt must be a string")
        prompt = lm.text_prompt(body["prompt"])
        text, n, finish = await _run(lm.generate, prompt, int(body.get("max_tokens") or 16), _choices(body))
        return JSONResponse({
            "id": f"cmpl-{uuid.uuid4().hex[:12]}", "object": "text_completion", "created": int(time.time()),
            "model": body.get("model", lm.name),
            "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}],
            "usage": _usage(len(prompt), n),
        })

    return app


async def _run(fn: Any, *args: Any) -> Any:
    import anyio  # noqa: PLC0415

    return await anyio.to_thread.run_sync(lambda: fn(*args))


class LocalServer:
    """`build_app(lm)` under uvicorn on 127.0.0.1 (a free port) in a background thread; a context manager."""

    def __init__(self, lm: LocalLM, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lm, self.host, self.port = lm, host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def base_url(self) -> str:
        if self._sock is None:
            raise RuntimeError("the local server is not running")
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> Self:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, self.port))
        self._server = uvicorn.Server(uvicorn.Config(build_app(self.lm), log_level="warning",
                                                     timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local OpenAI-compatible server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    import argparse  # noqa: PLC0415

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a saved model folder (an LLM router's model/)")
    ap.add_argument("--served-model-name", default=None)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8001)
    args = ap.parse_args(argv)
    lm = LocalLM.load(args.model, args.served_model_name)
    uvicorn.run(build_app(lm), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
