"""Write an evaluation: `metrics/eval.json` (DVC metrics), per-item records (JSON lines, one file per policy),
and `reports/eval.md` with its accuracy-vs-cost plot (PNG)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from xrouter.evaluate.harness import ItemRecord
from xrouter.evaluate.summary import SINGLE_PREFIX


def write_json(doc: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def write_records(records: dict[str, list[ItemRecord]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.jsonl"):
        stale.unlink()
    for policy, recs in records.items():
        with (folder / f"{re.sub(r'[^0-9A-Za-z_.-]', '_', policy)}.jsonl").open("w") as fh:
            for r in recs:
                fh.write(json.dumps(r.as_dict()) + "\n")


def plot(doc: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5))
    for name, s in doc["policies"].items():
        o = s["overall"]
        x = max(o["cost_per_1k"], 1e-4)
        if name.startswith(SINGLE_PREFIX):
            ax.scatter(x, o["accuracy"], color="0.65", s=18, zorder=2)
            if name == (doc.get("best_single") or {}).get("overall"):
                ax.annotate(name, (x, o["accuracy"]), fontsize=7, color="0.35", xytext=(4, -9),
                            textcoords="offset points")
        else:
            ax.scatter(x, o["accuracy"], s=46, zorder=3, label=name)
            ax.annotate(name, (x, o["accuracy"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("cost per 1k queries (USD, log scale)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{doc['items']} · backend {doc['backend']} · λ={doc['lambda']:g} (grey: single models)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _f(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}f}"


def _bounds(iv: dict, scale: float, fmt: str) -> str:
    if iv.get("low") is None or iv.get("high") is None:
        return "-"
    return f"[{scale * iv['low']:{fmt}}, {scale * iv['high']:{fmt}}]"


def _interval_cells(iv: dict | None) -> str:
    if not iv:  # the reference itself
        return " - | - |"
    return f" {_bounds(iv['accuracy_diff'], 100, '+.2f')} | {_bounds(iv['cost_ratio'], 1, '.2f')} |"


def markdown(doc: dict, plot_name: str, gate_policy: str | None = None) -> str:
    pol, best = doc["policies"], doc.get("best_single") or {}
    ref = pol.get(best.get("overall") or "", {}).get("overall")
    lines = [
        "# Evaluation",
        "",
        (f"Items: **{doc['items']}** ({doc['n_items']} items), backend **{doc['backend']}**, pool **{doc['pool']}**, "
         f"λ = {doc['lambda']:g}" + (f" (from {doc['lambda_source']})" if doc.get("lambda_source") else "")
         + f", reward `{doc['reward']}`. Written by `dvc repro evaluate` (`pipelines/evaluate.py`)."),
        "",
    ]
    lines += [f"> {n}" for n in doc.get("notes", [])]
    lines += ["", f"![accuracy vs cost]({plot_name})", "", "## Policies", ""]
    intervals = (doc.get("intervals_vs_best_single") or {}).get("policies") or {}
    head = "| policy | accuracy | cost / 1k (USD) | calls / query | latency p50 / p95 (s) | errors |"
    if ref:
        head += f" Δ accuracy vs {best['overall']} (pts) | cost vs {best['overall']} |"
        if intervals:
            head += " Δ accuracy 95% CI (pts) | cost ratio 95% CI |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    routers = [n for n in pol if not n.startswith(SINGLE_PREFIX)]
    singles = sorted((n for n in pol if n.startswith(SINGLE_PREFIX)), key=lambda n: -pol[n]["overall"]["accuracy"])
    shown = routers + ([best["overall"]] if best.get("overall") else [])
    for name in shown:
        o = pol[name]["overall"]
        row = (f"| {name}{' (gated)' if name == gate_policy else ''}{' (sees labels)' if name == 'oracle' else ''} | "
               f"{_f(o['accuracy'])} | {_f(o['cost_per_1k'], 3)} | {o['calls_per_query']:.2f} | "
               f"{o['latency_p50_s']:.4f} / {o['latency_p95_s']:.4f} | {o['errors']} |")
        if ref:
            ratio = o["cost_per_1k"] / ref["cost_per_1k"] if ref["cost_per_1k"] > 0 else float("nan")
            row += f" {100 * (o['accuracy'] - ref['accuracy']):+.2f} | {ratio:.2f}× |"
            if intervals:
                row += _interval_cells(intervals.get(name))
        lines.append(row)
    if intervals:
        lines += ["", (f"Intervals: {doc['intervals_vs_best_single']['method']}; each resample draws the items with "
                       f"replacement and scores the policy and {best['overall']} on the same draw (paired). An "
                       "accuracy interval that excludes 0 is a difference the item sample supports.")]
    target = gate_policy if gate_policy in pol else (routers[0] if routers else None)
    if target:
        lines += ["", f"## Per benchmark: {target} against the best single model of each benchmark", "",
                  "| benchmark | n | accuracy | cost / 1k | calls / query | best single | its accuracy | its cost / 1k |",
                  "|---|---|---|---|---|---|---|---|"]
        for bench, s in pol[target]["by_benchmark"].items():
            b = (best.get("by_benchmark") or {}).get(bench)
            bs = pol[b]["by_benchmark"][bench] if b else None
            lines.append(f"| {bench} | {s['n']} | {_f(s['accuracy'])} | {_f(s['cost_per_1k'], 3)} | "
                         f"{s['calls_per_query']:.2f} | {b or '-'} | {_f(bs['accuracy']) if bs else '-'} | "
                         f"{_f(bs['cost_per_1k'], 3) if bs else '-'} |")
    if singles:
        lines += ["", "## Single models", "", "| model | accuracy | cost / 1k (USD) |", "|---|---|---|"]
        lines += [f"| {n.removeprefix(SINGLE_PREFIX)} | {_f(pol[n]['overall']['accuracy'])} | "
                  f"{_f(pol[n]['overall']['cost_per_1k'], 3)} |" for n in singles]
    lines += ["", ("Latency is the router's own time plus, per turn, the slowest call (recorded latency; replay calls "
                   "have none, so on replay it is the router's overhead). Per-item records: "
                   f"`{doc.get('records_dir', 'records')}/<policy>.jsonl`."), ""]
    return "\n".join(lines)
