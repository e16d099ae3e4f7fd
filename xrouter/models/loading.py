"""Loading Hugging Face causal LMs: `from_pretrained`, then a check that every weight holds data."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def materialized(model: Any, path: Path) -> Any:
    """`model` with every parameter holding data, or a clear error.

    Models that tie the output head to the input embeddings (SmolLM2, Qwen2.5 small sizes) store only the
    latter. In a pytest session that had dequantized the SmolLM2 GGUF earlier in the same process,
    transformers 5.23's `from_pretrained` loaded such folders with the head reported MISSING and left on the
    `meta` device (not reproduced in a plain script), so the first forward, backward or `.to()` failed far
    from the cause. The head is tied here by hand when the config says it is tied; anything else still on
    `meta` is reported, naming the folder.
    """
    out, inp = model.get_output_embeddings(), model.get_input_embeddings()
    if (model.config.tie_word_embeddings and out is not None and inp is not None
            and out.weight.device.type == "meta" and inp.weight.device.type != "meta"):
        out.weight = inp.weight
    empty = [name for name, p in model.named_parameters() if p.device.type == "meta"]
    if empty:
        raise RuntimeError(f"{path}: parameters {empty[:5]} were not loaded (left on the meta device); "
                           "re-create the folder (the SmolLM2 cache is rebuilt from the GGUF when deleted) and retry")
    return model


def load_causal_lm(name_or_path: str | Path, **kwargs: Any) -> Any:
    """`AutoModelForCausalLM.from_pretrained(name_or_path, **kwargs)`, passed through `materialized`: the one
    way the LLM path loads a model (the SmolLM2 cache, a base model, a saved LLM router)."""
    from transformers import AutoModelForCausalLM  # noqa: PLC0415 (heavy; only where a model is loaded)

    return materialized(AutoModelForCausalLM.from_pretrained(name_or_path, **kwargs), Path(name_or_path))
