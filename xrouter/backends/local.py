"""A local model as a backend: SmolLM2-135M-Instruct generating on CPU with transformers.

Token counts are exact: `input_tokens` is the length of the chat-templated prompt (the template adds a
default system message when the conversation has none), `output_tokens` the number of tokens generated,
the closing `<|im_end|>` included when the model stopped by itself. The cost is those counts times
`price_per_mtok` (default zero: the model runs here); `latency_s` is the wall time of the call.

Supported params: `temperature` (absent, None or 0: greedy decoding), `top_p`, `max_tokens` (the OpenAI
name; defaults to `max_new_tokens`) and `seed` (sampling only; the global torch RNG is left untouched).
`prompt_id` (the caller's bookkeeping) is ignored. Any other param raises `BackendError` rather than being
silently ignored.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xrouter.backends.base import BackendError, Completion
from xrouter.models.smollm import MODEL_NAME, SmolLM, load_smollm

_PARAMS = frozenset({"temperature", "top_p", "max_tokens", "seed"})


class LocalBackend:
    """Serves the one model `smollm2-135m-instruct`.

    Args:
        model_dir: the safetensors cache folder (None: the default, see `xrouter.models.smollm`).
        max_new_tokens: generation budget when a call gives no `max_tokens`.
        price_per_mtok: (input, output) USD per million tokens, e.g. to charge for local compute.
        smollm: an already loaded model to share (tests, several backends); loaded lazily otherwise.
    """

    name = "local"
    model_name = MODEL_NAME

    def __init__(
        self,
        model_dir: str | Path | None = None,
        max_new_tokens: int = 256,
        price_per_mtok: Sequence[float] = (0.0, 0.0),
        *,
        smollm: SmolLM | None = None,
    ) -> None:
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if len(price_per_mtok) != 2 or min(price_per_mtok) < 0:
            raise ValueError(
                f"price_per_mtok must be (input, output) USD per M tokens >= 0: {price_per_mtok}"
            )
        self.model_dir = model_dir
        self.max_new_tokens = max_new_tokens
        self.price_per_mtok = (float(price_per_mtok[0]), float(price_per_mtok[1]))
        self._smollm = smollm

    @property
    def smollm(self) -> SmolLM:
        if self._smollm is None:
            self._smollm = load_smollm(self.model_dir)
        return self._smollm

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        import torch

        if model != self.model_name:
            raise BackendError(f"local backend serves only {self.model_name!r}, not {model!r}")
        params.pop("prompt_id", None)  # bookkeeping of the caller, not a generation parameter
        unknown = set(params) - _PARAMS
        if unknown:
            raise BackendError(
                f"local backend: unsupported params {sorted(unknown)}; known: {sorted(_PARAMS)}"
            )
        start = time.perf_counter()
        tokenizer, lm = self.smollm.tokenizer, self.smollm.model
        prompt = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        temperature = params.get("temperature") or 0.0
        generate_kwargs: dict[str, Any] = {
            "max_new_tokens": int(params.get("max_tokens") or self.max_new_tokens),
            "do_sample": temperature > 0,
            "pad_token_id": tokenizer.pad_token_id,
        }
        if temperature > 0:
            generate_kwargs.update(temperature=float(temperature), top_p=float(params.get("top_p") or 1.0))
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            if params.get("seed") is not None:
                torch.manual_seed(int(params["seed"]))
            output = lm.generate(**prompt, **generate_kwargs)
        input_tokens = int(prompt["input_ids"].shape[1])
        generated = output[0, input_tokens:].tolist()
        eos = lm.generation_config.eos_token_id
        eos_ids = set(eos) if isinstance(eos, list) else {eos}
        stop_at = next((i for i, t in enumerate(generated) if t in eos_ids), None)
        if stop_at is not None:
            generated = generated[: stop_at + 1]  # what follows the stop token is padding
        price_in, price_out = self.price_per_mtok
        return Completion(
            model=self.model_name,
            text=tokenizer.decode(generated, skip_special_tokens=True).strip(),
            input_tokens=input_tokens,
            output_tokens=len(generated),
            cost_usd=(input_tokens * price_in + len(generated) * price_out) / 1e6,
            latency_s=time.perf_counter() - start,
            backend=self.name,
            extra={"finish_reason": "stop" if stop_at is not None else "length", "token_ids": generated},
        )
