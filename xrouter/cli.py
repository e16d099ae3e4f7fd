"""The `xrouter` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from xrouter.serve.keys_cli import keys_app

app = typer.Typer(help="xrouter: cost-aware LLM routing.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Cost-aware LLM routing trained with RL (arXiv 2510.08439)."""


@app.command()
def evaluate(
    bundle: Path = typer.Option(..., exists=True, file_okay=False, help="A data bundle with the shared layout."),
    router: str = typer.Option(..., help="oracle | random | cascade | knn | mf | single:<model> | a trained router path."),
    out: Path = typer.Option(..., help="Summary JSON (n, accuracy, cost_per_1k, calls_per_query, by_benchmark, by_family)."),
    lam: Optional[float] = typer.Option(
        None, "--lambda", help="The run's λ (default: params.yaml evaluate.lam; 'router' there means the trained "
                               "router's operating λ). Must lie in a trained router's λ range."),
    records: Optional[Path] = typer.Option(None, help="One JSON line per prompt (answer, models called, tokens, cost, latency, grade)."),
    pool: Optional[str] = typer.Option(None, help="Model pool: zeroeval or llmrouter (default: params.yaml env.pool)."),
    train_data: Optional[Path] = typer.Option(
        None, help="Prepared data folder whose train split fits cascade/knn/mf (default: this project's data/)."
    ),
    params_file: Path = typer.Option(Path("params.yaml"), "--params",
                                     help="params.yaml whose env (reward, limits), prepare and evaluate settings apply."),
    seed: Optional[int] = typer.Option(None, help="Seed of the random router and of fitting (default: evaluate.seed)."),
) -> None:
    """Evaluate a router on every replay prompt of a bundle, with the project's settings (as `dvc repro` does)."""
    from xrouter.config import ParamsError, load_params  # noqa: PLC0415
    from xrouter.evaluate.bundle import EvalRequest, evaluate_bundle, write_outputs  # noqa: PLC0415
    from xrouter.routers.training import FITTED  # noqa: PLC0415

    try:
        params = load_params(params_file)
        if train_data is None and router in FITTED:
            train_data = params.path(params.paths.data)
        req = EvalRequest(router, bundle, pool=pool or params.env.pool,
                          lam=params.evaluate.lam if lam is None else lam, train_data=train_data,
                          seed=params.evaluate.seed if seed is None else seed, lambda_card=params.router_dir)
        summary, recs = evaluate_bundle(req, params.env.reward, params.env.limits, params.prepare, progress=True)
    except (ValueError, FileNotFoundError, KeyError, ParamsError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from err
    write_outputs(summary, recs, out, records)
    console.print(
        f"{summary['router']}: n={summary['n']} accuracy={summary['accuracy']:.4f} "
        f"cost/1k=${summary['cost_per_1k']:.4f} calls/query={summary['calls_per_query']:.2f} "
        f"λ={summary['lambda']:g} ({summary['lambda_source']}) -> {out}"
    )


graders_app = typer.Typer(help="Graders: self-checks on gold and wrong answers.", no_args_is_help=True)
app.add_typer(graders_app, name="graders")
app.add_typer(keys_app, name="keys")


@graders_app.command("selfcheck")
def graders_selfcheck(
    as_json: bool = typer.Option(False, "--json", help="Print {benchmark: {n, gold, wrong}} as JSON."),
    bundle: Optional[Path] = typer.Option(None, help="Data bundle (default: params.yaml data.bundle)."),
    benchmark: Optional[list[str]] = typer.Option(None, help="Only these benchmarks (repeatable)."),
    workers: int = typer.Option(2, help="Concurrent sandboxed programs for the code graders."),
) -> None:
    """Grade every gold and every wrong answer of every benchmark (run after changing a grader)."""
    import json  # noqa: PLC0415

    from xrouter.graders.selfcheck import selfcheck  # noqa: PLC0415

    if bundle is None:
        from xrouter.config import load_params  # noqa: PLC0415

        bundle = load_params().data.bundle
    try:
        report = selfcheck(bundle, benchmark, workers)
    except (ValueError, KeyError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from err
    if as_json:
        print(json.dumps({b: {"n": r["n"], "gold": r["gold"], "wrong": r["wrong"]} for b, r in report.items()}))
        return
    for name, r in report.items():
        console.print(f"{name:<14} n={r['n']:>5} gold={r['gold']:.4f} wrong={r['wrong']:.4f} "
                      f"left out={r['left_out']} ({r['items_per_s']} responses/s)")


if __name__ == "__main__":
    app()
