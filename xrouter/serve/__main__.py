"""`python -m xrouter.serve [--params params.yaml] [--host H] [--port P]`: the app under plain uvicorn (one
process), configured by the `serve:` block of a params file. `make serve` serves the packaged bento instead."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from xrouter.serve.app import create_app
from xrouter.serve.config import configure_process, load_serve_params


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m xrouter.serve", description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    serve = load_serve_params(args.params)
    configure_process(serve)
    uvicorn.run(create_app(serve), host=args.host or serve.host, port=args.port or serve.port, log_level="warning")


if __name__ == "__main__":
    main()
