"""The graders package's three parts (rules, sandbox, references) and its one-way imports."""

from __future__ import annotations

import subprocess
import sys


def test_selfcheck_and_references_import_nothing_from_backends() -> None:
    probe = (
        "import sys, xrouter.graders.selfcheck, xrouter.graders.references as r; r.registered_references(); "
        "print(sorted(m for m in sys.modules if m.startswith('xrouter.backends')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_api_and_the_three_parts_import() -> None:
    from xrouter.graders import Grade, get_grader, grade, register_grader, registered_graders  # noqa: F401
    from xrouter.graders.references import gold_answer, wrong_answer  # noqa: F401
    from xrouter.graders.sandbox import run_python  # noqa: F401

    assert "evalplus" in registered_graders()
    assert get_grader("evalplus").__module__ == "xrouter.graders.rules.code_evalplus"
