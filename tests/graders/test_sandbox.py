"""Each test adversarially checks one property of `run_python`. Limits are generous so that a loaded 2-core
machine passes; only the timeout tests wait for their (short) limits."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from xrouter.graders.sandbox import isolation, run_python, run_python_many

LIMITS = {"timeout_s": 20.0, "memory_mb": 256, "max_output_bytes": 100_000}


MARK_MB = 263  # an unusual memory limit: it appears in the jailed interpreter's command line, so these tests
# find their own programs among those of other processes on the machine


def jailed_pids() -> list[int]:
    """Host pids of live (not zombie) sandboxed programs started with ``memory_mb=MARK_MB``."""
    mark = str(MARK_MB * 1024 * 1024).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in cmdline.split(b"\0") and b"bwrap" not in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def wait_until_gone(before: set[int], within_s: float = 5.0) -> bool:
    """True once no sandboxed program other than those in ``before`` is alive."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not set(jailed_pids()) - before:
            return True
        time.sleep(0.05)
    return False


def test_ok_program_prints():
    result = run_python("print(6 * 7)", **LIMITS)
    assert (result.status, result.returncode, result.stdout, result.stderr) == ("ok", 0, "42\n", "")


def test_stdin_is_fed():
    result = run_python(
        "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))", stdin="1 2\n3\n", **LIMITS
    )
    assert result.stdout == "6\n"


def test_exception_is_an_error_with_traceback():
    result = run_python("raise ValueError('boom')", **LIMITS)
    assert result.status == "error" and result.returncode == 1 and "ValueError: boom" in result.stderr


def test_infinite_loop_times_out_and_leaves_no_process():
    code = "while True:\n    pass\n"
    started = time.monotonic()
    before = set(jailed_pids())
    result = run_python(code, timeout_s=2.0, memory_mb=MARK_MB, max_output_bytes=1000)
    assert result.status == "timeout", result
    assert result.wall_s < 3.0 and time.monotonic() - started < 3.5
    assert wait_until_gone(before)


def test_cpu_limit_stops_a_busy_program_before_the_wall_clock():
    result = run_python(
        "while True:\n    pass\n", timeout_s=20.0, cpu_s=1, memory_mb=256, max_output_bytes=1000
    )
    assert result.status == "timeout" and result.returncode == -signal.SIGXCPU and result.wall_s < 10


def test_a_program_ignoring_sigxcpu_is_still_reported_as_a_timeout():
    code = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = run_python(code, timeout_s=20.0, cpu_s=1, memory_mb=256, max_output_bytes=1000)
    assert result.status == "timeout" and result.returncode == -signal.SIGKILL and result.wall_s < 15


def test_a_program_killing_itself_at_once_is_an_error_not_a_timeout():
    result = run_python("import ctypes, os\nctypes.CDLL(None).kill(os.getpid(), 9)", **LIMITS)
    assert result.status == "error" and result.returncode == -signal.SIGKILL


def test_python_level_process_functions_are_blocked():
    code = (
        "import os, subprocess\n"
        "for name, call in [('fork', os.fork), ('system', lambda: os.system('true')),\n"
        "                   ('subprocess', lambda: subprocess.run(['true']))]:\n"
        "    try:\n        call()\n        print(name, 'ran')\n"
        "    except PermissionError:\n        print(name, 'blocked')\n"
    )
    assert run_python(code, **LIMITS).stdout.split() == [
        "fork",
        "blocked",
        "system",
        "blocked",
        "subprocess",
        "blocked",
    ]


def test_fork_bomb_is_contained_in_the_kernel():
    """A recursive bomb through raw libc fork(), bypassing the Python guards."""
    if not isolation()["seccomp"] and os.geteuid() == 0:
        pytest.skip(
            "root without seccomp: RLIMIT_NPROC does not apply to root, a real bomb would not be contained"
        )
    code = (
        "import ctypes, os\n"
        "me = os.getpid()\n"
        "libc = ctypes.CDLL(None)\n"
        "born = sum(1 for _ in range(300) if libc.fork() > 0)\n"
        "if os.getpid() == me:\n    print(born, flush=True)\n"
    )
    before = set(jailed_pids())
    result = run_python(code, timeout_s=20.0, memory_mb=MARK_MB, max_output_bytes=10_000)
    born = int(result.stdout.split()[0])
    assert born == 0 if isolation()["seccomp"] else born < 512  # RLIMIT_NPROC bounds it for non-root users
    assert wait_until_gone(before)
    assert run_python("print('still fine')", **LIMITS).stdout == "still fine\n"


def test_threads_still_work_under_the_fork_filter():
    code = "import threading\nout = []\nt = threading.Thread(target=out.append, args=(1,))\nt.start(); t.join()\nprint(out)"
    assert run_python(code, **LIMITS).stdout == "[1]\n"


def test_one_gigabyte_allocation_is_a_memory_error():
    result = run_python("x = bytearray(1 << 30)\nprint('allocated')", **LIMITS)
    assert result.status == "memory" and "allocated" not in result.stdout


def test_python_level_guards_refuse_writes_outside_the_working_directory():
    code = (
        "import os, pathlib\ntarget = '/run/escaped.txt'\n"
        "attempts = [lambda: open(target, 'w'), lambda: open(target, 'a+'),\n"
        "            lambda: os.open(target, os.O_WRONLY | os.O_CREAT), lambda: pathlib.Path(target).write_text('x'),\n"
        "            lambda: open('../' * 40 + target.lstrip('/'), 'w'), lambda: os.remove('/run/program/main.py'),\n"
        "            lambda: os.rename('/run/program/main.py', 'stolen.txt'), lambda: os.chmod('/run', 0)]\n"
        "for attempt in attempts:\n"
        "    try:\n        attempt()\n        print('written')\n"
        "    except PermissionError:\n        print('refused')\n"
        "open('inside.txt', 'w').write('ok')\nprint(open('inside.txt').read())\n"
    )
    assert run_python(code, **LIMITS).stdout.split() == ["refused"] * 8 + ["ok"]


def test_network_connection_to_localhost_is_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        code = (
            "import _socket, socket\n"
            f"for name, connect in [('guarded', lambda: socket.create_connection(('127.0.0.1', {port}), timeout=2)),\n"
            f"                      ('raw', lambda: _socket.socket().connect(('127.0.0.1', {port})))]:\n"
            "    try:\n        connect()\n        print(name, 'connected')\n"
            "    except OSError as exc:\n        print(name, type(exc).__name__)\n"
        )
        lines = run_python(code, **LIMITS).stdout.splitlines()
        assert lines[0] == "guarded PermissionError"
        if isolation()["network_namespace"]:  # the kernel refuses even the raw socket
            assert lines[1] != "raw connected"
            with pytest.raises(TimeoutError):
                server.accept()


def test_output_flood_is_capped():
    result = run_python(
        "while True:\n    print('x' * 1000)\n", timeout_s=20.0, memory_mb=256, max_output_bytes=10_000
    )
    assert result.status == "output_limit" and len(result.stdout) == 10_000 and result.wall_s < 10


def test_grandchild_is_killed_at_the_end():
    code = (
        "import os, time\npid = os.fork()\n"
        "if pid == 0:\n    time.sleep(600)\n    os._exit(0)\n"
        "print(pid, flush=True)\n"
    )
    before = set(jailed_pids())
    result = run_python(code, allow_subprocess=True, **{**LIMITS, "memory_mb": MARK_MB})
    assert (
        result.status == "ok" and result.wall_s < 10
    )  # the sleeping grandchild holding stdout is not awaited
    assert wait_until_gone(before)


def test_parent_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("XROUTER_TEST_SECRET", "hunter2")
    result = run_python(
        "import os\nprint(sorted(os.environ))\nprint(os.environ.get('XROUTER_TEST_SECRET'))", **LIMITS
    )
    assert "hunter2" not in result.stdout and result.stdout.endswith("None\n")


def test_working_directory_is_private_and_gone_afterwards():
    first = run_python("import os\nopen('scratch.txt', 'w').write('x')\nprint(os.getcwd())", **LIMITS)
    assert first.stdout.strip() == "/tmp"
    assert run_python("import os\nprint(os.listdir('.'))", **LIMITS).stdout == "[]\n"


def test_batch_keeps_order_and_bounds_parallelism():
    code = "import time\nstart = time.time()\ntime.sleep(0.3)\nprint({i}, start, time.time())"
    results = run_python_many([(code.format(i=i), "") for i in range(6)], max_workers=2, **LIMITS)
    rows = [r.stdout.split() for r in results]
    assert [int(row[0]) for row in rows] == list(range(6))
    spans = [(float(row[1]), float(row[2])) for row in rows]
    assert max(sum(s <= start < e for s, e in spans) for start, _ in spans) <= 2
