"""Fixtures of the evaluation tests: the prepared tables written to a folder, as the `evaluate` stage reads them."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def data_dir(prepared, tmp_path_factory):
    from xrouter.data.prepare import write_tables

    out = tmp_path_factory.mktemp("data")
    write_tables(prepared, out)
    return out


@pytest.fixture(scope="session")
def bench_items(prepared):
    from xrouter.data.schema import BenchmarkItem

    return [BenchmarkItem.from_row(r) for r in prepared["benchmarks"].to_dict("records")]
