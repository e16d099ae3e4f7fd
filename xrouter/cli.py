"""The `xrouter` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

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
    lam: Optional[float] = typer.Option(None, "--lambda", help="Cost/accuracy trade-off λ for routers that take it."),
    records: Optional[Path] = typer.Option(None, help="One JSON line per prompt (answer, models called, tokens, cost, latency, grade)."),
    pool: str = typer.Option("zeroeval", help="Model pool: zeroeval (28 full-coverage models) or llmrouter."),
    train_data: Optional[Path] = typer.Option(
        None, help="Prepared data folder whose train split fits cascade/knn/mf (default: this project's data/)."
    ),
    seed: int = typer.Option(0, help="Seed of the random router and of fitting."),
) -> None:
    """Evaluate a router on every replay prompt of a bundle."""
    from xrouter.env.replay_splits import FITTED  # noqa: PLC0415
    from xrouter.evaluate.bundle import EvalRequest, evaluate_bundle, write_outputs  # noqa: PLC0415

    if train_data is None and router in FITTED:
        from xrouter.config import load_params  # noqa: PLC0415

        params = load_params()
        train_data = params.path(params.paths.data)
    try:
        summary, recs = evaluate_bundle(EvalRequest(router, bundle, pool, lam, train_data, seed), progress=True)
    except (ValueError, FileNotFoundError, KeyError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from err
    write_outputs(summary, recs, out, records)
    console.print(
        f"{summary['router']}: n={summary['n']} accuracy={summary['accuracy']:.4f} "
        f"cost/1k=${summary['cost_per_1k']:.4f} calls/query={summary['calls_per_query']:.2f} -> {out}"
    )


graders_app = typer.Typer(help="Graders: self-checks on gold and wrong answers.", no_args_is_help=True)
app.add_typer(graders_app, name="graders")


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


@graders_app.command("agreement")
def graders_agreement(
    limit: Optional[int] = typer.Option(None, help="Grade a seeded sample of this many responses per task."),
    seed: int = typer.Option(0, help="Seed of the sample."),
    task: Optional[list[str]] = typer.Option(None, help="Only these ZeroEval tasks: gsm, math-l5, crux."),
    bundle: Optional[Path] = typer.Option(None, help="Data bundle (default: params.yaml data.bundle)."),
    workers: int = typer.Option(2, help="Concurrent sandboxed programs for CruxEval."),
    as_json: bool = typer.Option(False, "--json", help="Print {task: {n, agree, rate, ...}} as JSON."),
) -> None:
    """Agreement of the graders with ZeroEval's own labels on the bundle's real responses, per task."""
    import json  # noqa: PLC0415

    from xrouter.graders.agreement import TASKS, agreement, reasons  # noqa: PLC0415

    if bundle is None:
        from xrouter.config import load_params  # noqa: PLC0415

        bundle = load_params().data.bundle
    unknown = sorted(set(task or ()) - set(TASKS))
    if unknown or (limit is not None and limit <= 0):
        why = f"unknown task(s) {unknown}; choose from {list(TASKS)}" if unknown else "--limit must be positive"
        console.print(f"[red]error:[/red] {why}")
        raise typer.Exit(2)
    try:
        report = agreement(bundle, task or TASKS, limit, seed, workers)
    except (ValueError, KeyError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from err
    if as_json:
        print(json.dumps({t: {"n": r.n, "agree": r.agree, "rate": r.rate, "ours_only": r.ours_only,
                              "zeroeval_only": r.theirs_only} for t, r in report.items()}))
        return
    for name, r in report.items():
        console.print(f"{name:<8} n={r.n:>6} agree={r.rate:.4f}  we grade correct, ZeroEval wrong: {r.ours_only}"
                      f"  ZeroEval correct, we grade wrong: {r.theirs_only}")
        for reason, count in reasons(r):
            console.print(f"         {count:>5}  {reason}")


if __name__ == "__main__":
    app()
