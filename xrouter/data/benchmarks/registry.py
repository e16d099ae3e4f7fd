"""Loaders by benchmark name: `@register("gsm8k")` on a function `(bundle: Path) -> list[BenchmarkItem]`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xrouter.data.benchmarks._common import BenchmarkDataError
from xrouter.data.schema import BENCHMARKS, BenchmarkItem
from xrouter.registry import Registry

Loader = Callable[[Path], list[BenchmarkItem]]

LOADERS: Registry[Loader] = Registry("benchmark", allowed=BENCHMARKS, error=BenchmarkDataError)
register = LOADERS.register  # `@register("gsm8k")`: one of `schema.BENCHMARKS`, at most once
get_loader = LOADERS.get


def registered() -> tuple[str, ...]:
    """Names with a loader, in `schema.BENCHMARKS` order."""
    return tuple(LOADERS.names())
