"""dvc.yaml is complete: every stage lists every file of the project it imports (the static import graph,
function-level imports and module names given as strings included, and the data files beside those modules), so
editing any of them makes the stage stale; outputs are named once (params.yaml `paths`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from xrouter.config import load_params

REPO = Path(__file__).resolve().parents[2]
DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())
_MODULE_NAME = re.compile(r"^(xrouter|pipelines)(\.\w+)+$")


def _file(name: str) -> Path | None:
    p = REPO.joinpath(*name.split("."))
    if (p / "__init__.py").is_file():
        return p / "__init__.py"
    return p.with_suffix(".py") if p.with_suffix(".py").is_file() else None


def _imported(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE_NAME.match(node.value):
            out.add(node.value)  # importlib.import_module("xrouter.graders.math") and the like
    return {n for n in out if n.split(".")[0] in ("xrouter", "pipelines")}


def code_closure(module: str) -> set[Path]:
    """Every project file `module` may import, transitively, plus data files living beside those modules."""
    seen: set[Path] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # packages' __init__ run first
        f = _file(name)
        if f is None or f in seen:
            continue
        seen.add(f)
        todo += sorted(_imported(f))
    data = {p for f in seen for p in f.parent.iterdir() if p.is_file() and p.suffix in (".yaml", ".json")}
    return {p.relative_to(REPO) for p in seen | data if not _docstring_only(p)}


def _docstring_only(path: Path) -> bool:
    """A module that is only its docstring (a package's __init__) cannot change what a stage does."""
    if path.suffix != ".py":
        return False
    body = ast.parse(path.read_text()).body
    return all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body)


def _deps(stage: str) -> list[Path]:
    return [Path(d) for d in DVC["stages"][stage]["deps"] if not d.startswith("${")]


@pytest.mark.parametrize("stage", list(DVC["stages"]))
def test_every_stage_lists_all_code_it_imports(stage: str) -> None:
    module = DVC["stages"][stage]["cmd"].removeprefix("python -m ")
    deps = _deps(stage)
    missing = sorted(str(f) for f in code_closure(module) if not any(f == d or d in f.parents for d in deps))
    assert missing == [], f"dvc.yaml stage '{stage}' imports files it does not list: {missing}"
    assert all((REPO / d).exists() for d in deps), [str(d) for d in deps if not (REPO / d).exists()]


def test_outputs_are_the_params_paths() -> None:
    """Each output path is written in params.yaml only; dvc.yaml and the stage scripts refer to `paths.*`."""
    text = (REPO / "dvc.yaml").read_text()
    for name in ("eval.json", "gate.json", "train.json", "data_validation.json", "models/router", "eval.md"):
        assert name not in text, f"dvc.yaml spells out {name}; use ${{paths.*}}"
    for stage in (REPO / "pipelines").glob("*.py"):
        code = stage.read_text()
        assert not re.search(r"""["'](eval|gate|train|data_validation)\.json["']|["']router["']""", code), stage.name
    paths = load_params(REPO / "params.yaml").paths
    outs = {k: v for k, v in paths.model_dump(mode="json").items()}
    assert outs["router"] == "models/router" and outs["eval_metrics"] == "metrics/eval.json"
