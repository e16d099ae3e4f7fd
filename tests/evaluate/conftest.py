"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bench_items(bundle):
    """Every item of the real 17 benchmarks (read from the bundle, without preparing the rest of it)."""
    from xrouter.data.benchmarks import load_benchmarks
    from xrouter.data.schema import BenchmarkItem

    return [BenchmarkItem.from_row(r) for r in load_benchmarks(bundle).to_dict("records")]
