"""The sandbox: run untrusted Python in a throw-away, isolated interpreter (`runner`: the parent side;
`jail`: the bubblewrap view of the file system and the unprivileged user; `child`: the prelude that runs
inside before the program)."""

from xrouter.graders.sandbox.runner import ExecResult, Status, isolation, run_python, run_python_many

__all__ = ["ExecResult", "Status", "isolation", "run_python", "run_python_many"]
