"""Write verl's tool config for a pool: `python -m xrouter_verl.make_tool_config --data-dir data`.

Reads the pool and the episode limits from params.yaml (`env.pool`, `env.limits`) and the prices from the
prepared price catalog (`<data-dir>/prices.parquet`); writes `infra/verl/config/tools.yaml` by default.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from xrouter.data.prepare import read_tables
from xrouter.pool import load_pool
from xrouter_verl.dataset import _env_params, write_tool_config

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "config" / "tools.yaml"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default="data", help="prepared tables; written into the config as given")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--pool", default=None, help="default: params.yaml env.pool")
    ap.add_argument("--models", nargs="*", default=None, help="a subset of the pool (default: all)")
    ap.add_argument("--backend", choices=("replay", "litellm"), default="replay")
    args = ap.parse_args(argv)
    env = _env_params(args.params)
    prices = read_tables(Path(args.data_dir), ("prices",))["prices"]
    pool = load_pool(args.pool or env.pool, prices)
    if args.models:
        pool = pool.subset(list(args.models))
    out = write_tool_config(args.out, pool, args.data_dir, backend=args.backend, limits=env.limits)
    print(f"{len(pool)} model tools + select_response -> {out}")


if __name__ == "__main__":
    main()
