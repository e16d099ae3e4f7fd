"""DVC stage `prepare`: the shared bundle -> data/*.parquet (benchmarks, replay prompts, outcomes, prices, splits)."""

from __future__ import annotations

import time

from rich.console import Console

from xrouter.config import load_params
from xrouter.data.prepare import prepare_tables, write_tables


def main() -> None:
    params = load_params()
    console = Console(stderr=True)
    start = time.perf_counter()
    p = params.prepare
    console.print(f"[bold]prepare[/bold]: reading bundle {params.data.bundle}")
    tables = prepare_tables(params.data.bundle, p)
    out_dir = params.path(params.paths.data)
    write_tables(tables, out_dir)
    for name, frame in tables.items():
        console.print(f"  {name:<11} {len(frame):>8,} rows -> {out_dir.name}/{name}.parquet")
    console.print(f"prepare done in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
