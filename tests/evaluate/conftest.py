"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bench_items(prepared):
    from xrouter.data.schema import BenchmarkItem

    return [BenchmarkItem.from_row(r) for r in prepared["benchmarks"].to_dict("records")]
