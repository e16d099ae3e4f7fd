"""`materialized`: a loaded model whose tied head was left on the meta device is repaired; other unloaded
weights are named."""

from __future__ import annotations

import pytest
import torch

from xrouter.models.loading import materialized


def _tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=32, hidden_size=8, intermediate_size=16, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=True)
    return LlamaForCausalLM(config)


def test_a_tied_head_left_on_meta_is_tied_again_and_other_unloaded_weights_are_named(tmp_path):
    model = _tiny_llama()
    model.lm_head.weight = torch.nn.Parameter(torch.empty(32, 8, device="meta"))  # what one CI load left behind
    repaired = materialized(model, tmp_path)
    assert repaired.lm_head.weight.device.type == "cpu"
    assert repaired.lm_head.weight.data_ptr() == repaired.model.embed_tokens.weight.data_ptr()

    broken = _tiny_llama()
    broken.model.norm.weight = torch.nn.Parameter(torch.empty(8, device="meta"))
    with pytest.raises(RuntimeError, match=r"model\.norm\.weight.*re-create the folder"):
        materialized(broken, tmp_path)
