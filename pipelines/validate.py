"""DVC stage `validate`: Great Expectations over every prepared table; Data Docs HTML under reports/.

A failing expectation exits non-zero with the table, column and example rows, which stops `dvc repro`.
"""

from __future__ import annotations

import json
import sys

from rich.console import Console

from xrouter.config import load_params
from xrouter.data.prepare import read_tables
from xrouter.data.validation import DataValidationError, run_validation

# the tables GE checks (responses are raw upstream text, keyed by the outcomes they belong to)
VALIDATED = ("benchmarks", "prompts", "outcomes", "prices", "splits")


def main() -> int:
    params = load_params()
    console = Console(stderr=True)
    tables = read_tables(params.path(params.paths.data), VALIDATED)
    docs_dir = params.path(params.paths.data_docs)
    report = run_validation(tables, docs_dir, params.validate_.example_rows)
    metrics_path = params.path(params.paths.data_validation)
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(report.summary(), indent=2) + "\n")
    try:
        report.raise_for_failures()
    except DataValidationError as err:
        console.print(f"[bold red]{err}[/bold red]", highlight=False)
        console.print(f"Data Docs: {docs_dir / 'index.html'}")
        return 1
    console.print(f"[green]validate: {sum(report.checked.values())} expectations passed[/green] on {report.rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
