"""MiniLM embeddings: a text's vector is a function of the text alone, whatever else is embedded with it, so
the cache's history (which texts some earlier run embedded together) cannot change a trained router."""

from __future__ import annotations

import numpy as np

from xrouter.embeddings import CACHE_FOLDER, embed

# Texts of very different lengths: batched with padding, the short ones' vectors changed in the last bits.
TEXTS = [
    "What is 2 + 2?",
    "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her "
    "friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck "
    "egg. How much in dollars does she make every day at the farmers' market?",
    "Find the number of ordered pairs of positive integers (a, b) such that a + b = 1000 and neither a nor b "
    "has a zero digit.",
    "def f(x):\n    return [i * 2 for i in x]\nassert f([1, 2, 3]) == ??",
]


def test_a_texts_vector_does_not_depend_on_the_texts_embedded_with_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XROUTER_CACHE", str(tmp_path))  # the model unpacks here; vectors computed, not read
    together = embed(TEXTS, use_cache=False)
    alone = np.stack([embed([t], use_cache=False)[0] for t in TEXTS])
    reordered = embed(TEXTS[::-1], use_cache=False)[::-1]
    assert together.shape == (len(TEXTS), 384) and together.dtype == np.float32
    assert np.array_equal(together, alone) and np.array_equal(together, reordered)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)


def test_cached_vectors_are_the_computed_ones(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XROUTER_CACHE", str(tmp_path))
    first = embed(TEXTS[:2])
    assert len(list((tmp_path / CACHE_FOLDER).rglob("*.npy"))) == 2
    assert np.array_equal(embed(TEXTS[:2]), first)
    assert np.array_equal(embed([TEXTS[1], TEXTS[3]])[0], first[1])
