"""Run untrusted Python (model-written code, benchmark tests) in a throw-away subprocess.

Each `run_python` call starts a fresh ``python -I`` (the same interpreter, so the venv's packages import) in
its own session and process group, with a cleaned environment (PATH, HOME, TMPDIR, locale only) and a private
temporary working directory that is deleted afterwards. stdin is fed from a file; stdout and stderr are read
with a cap. At the end (normal exit, wall-clock timeout or output flood) the whole process group is killed
before the main process is reaped, so its pgid cannot have been reused by then.

Inside the child, before any user code runs, a prelude (`_CHILD_FUNCTIONS`, shipped as source) applies, in
this order:

1. Kernel resource limits (``resource.setrlimit``): RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_NPROC, RLIMIT_FSIZE,
   RLIMIT_NOFILE, RLIMIT_CORE=0. They are set in the child itself rather than in a ``preexec_fn``, which is
   unsafe in a threaded parent (`run_python_many` uses threads).
2. A private network namespace: ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` (or ``CLONE_NEWNET`` alone), which
   works unprivileged wherever user namespaces are enabled. The child then has only a downed loopback device:
   every connection, 127.0.0.1 included, fails in the kernel.
3. A seccomp-BPF filter (x86_64 and aarch64; skipped with ``allow_subprocess=True``): fork, vfork and clone
   without CLONE_THREAD fail with EPERM (threads still work; clone3 answers ENOSYS so libc falls back to
   clone); kill/tgkill only to itself; tkill, ptrace, process_vm_writev and raising rlimits are refused. This
   is what contains fork bombs when the sandbox runs as root, where the kernel ignores RLIMIT_NPROC.
4. Python-level guards (best effort, in the spirit of a "reliability guard"): the process, signal and exec
   functions of os/posix and ``_posixsubprocess.fork_exec`` (hence subprocess, multiprocessing) raise
   PermissionError; open()/os.open() in a writing mode and the path-mutating os functions (remove, rename,
   mkdir, chmod, ...; dir_fd resolved through /proc) refuse paths outside the working directory, which also
   stops shutil.rmtree/move on outside paths; `socket` is patched when first imported (connect, bind,
   sendto and name lookups raise) so that network use fails even where step 2 was unavailable.

`isolation()` reports which kernel layers (2, 3) took effect on this machine.

Not covered: the file system is not isolated by the kernel: the child runs as the caller's uid, so reads
are unrestricted and a program that reaches the real functions (ctypes, closures of the guards, ``_io``) can
write wherever that uid may. Other processes' /proc entries (the parent's environ, say) are unreadable only
while the user namespace of step 2 is in effect. Memory is capped per process (address space, not RSS), so
libraries that reserve large virtual ranges (numpy/OpenBLAS threads) need a larger ``memory_mb``. With
``allow_subprocess=True`` process creation is limited only by RLIMIT_NPROC (ignored for root) and the
end-of-run group kill; a process that leaves the group with setsid() is not killed. For hostile code at
scale, run this inside a container or VM with its own user, or use a namespace jail (bubblewrap, nsjail).
"""

from __future__ import annotations

import inspect
import math
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from xrouter.graders.sandbox.child import _child_guards, _child_limits, _child_main, _child_seccomp
from xrouter.graders.sandbox.jail import PROGRAM_DIR, WORK_DIR, JailUnavailable, interpreter, jail_argv

Status = Literal["ok", "error", "timeout", "memory", "output_limit", "stopped", "sandbox_error"]
Watch = Callable[[bytes], bool]

_MAX_PROCESSES = 512  # RLIMIT_NPROC: counts all processes of the uid, so it is a machine-wide backstop
_MAX_OPEN_FILES = 128
_MAX_FILE_BYTES = 64 * 1024 * 1024  # RLIMIT_FSIZE: largest file the program may write
DISK_MB = 64  # size of the private /tmp and of the private /dev/shm: the disk quota
_DRAIN_S = 1.0  # after the final kill, how long to wait for pipes held by escaped processes
_POLL_S = 0.05  # how often to check whether the main process exited while descendants hold the pipes


@dataclass(frozen=True)
class ExecResult:
    """What one sandboxed run produced.

    status: "ok" (exit 0), "error" (non-zero exit or signal), "timeout" (wall clock or CPU limit),
        "memory" (MemoryError), "output_limit" (stdout or stderr exceeded the cap; the run was killed),
        "stopped" (the caller's ``watch`` asked to stop: the outcome was already known),
        "sandbox_error" (the subprocess could not be started).
    returncode: the exit status (negative: killed by that signal); None if it never started.
    stdout, stderr: decoded as UTF-8 with replacement, each cut at ``max_output_bytes``.
    wall_s: seconds from start to the end of the run.
    """

    status: Status
    returncode: int | None
    stdout: str
    stderr: str
    wall_s: float


def run_python(
    code: str,
    *,
    stdin: str = "",
    timeout_s: float,
    memory_mb: int,
    max_output_bytes: int,
    cpu_s: float | None = None,
    allow_subprocess: bool = False,
    disk_mb: int = DISK_MB,
    watch: Watch | None = None,
) -> ExecResult:
    """Run ``code`` as ``__main__`` in a fresh jailed interpreter and return what happened.

    timeout_s: wall-clock limit; the run is killed when it passes.
    memory_mb: address-space limit of each process (RLIMIT_AS); at least 64 (the interpreter needs ~30).
    max_output_bytes: cap on each of stdout and stderr; exceeding it kills the run (status "output_limit").
    cpu_s: CPU-time limit (RLIMIT_CPU, whole seconds, rounded up); defaults to ``timeout_s``.
    allow_subprocess: let the program start processes (no seccomp filter, process functions not blocked).
    disk_mb: size of each of the private ``/tmp`` (the working directory) and ``/dev/shm``.
    watch: called with each chunk of stdout as it arrives; returning True kills the run (status "stopped"),
        e.g. once a grader has seen a wrong output.
    """
    if timeout_s <= 0 or max_output_bytes <= 0 or disk_mb <= 0:
        raise ValueError(
            f"timeout_s, max_output_bytes and disk_mb must be positive, got {timeout_s}, {max_output_bytes},"
            f" {disk_mb}"
        )
    if memory_mb < 64:
        raise ValueError(f"memory_mb={memory_mb} is too small for the interpreter itself; use at least 64")
    cpu_limit = math.ceil(timeout_s if cpu_s is None else cpu_s)
    program_dir = tempfile.mkdtemp(prefix="xrouter-sandbox-")
    start = time.monotonic()
    try:
        os.chmod(program_dir, 0o755)  # nobody reads main.py through the read-only bind
        with open(os.path.join(program_dir, "main.py"), "w", encoding="utf-8") as f:
            f.write(code)
        os.chmod(os.path.join(program_dir, "main.py"), 0o644)
        with open(os.path.join(program_dir, ".stdin"), "w", encoding="utf-8") as f:
            f.write(stdin)
        limits = (memory_mb * 1024 * 1024, cpu_limit, _MAX_PROCESSES, _MAX_OPEN_FILES, _MAX_FILE_BYTES)
        command = [interpreter(), "-I", "-S", "-c", _launcher(), f"{PROGRAM_DIR}/main.py", WORK_DIR,
                   str(int(allow_subprocess)), *map(str, limits)]  # fmt: skip
        env = {"PATH": "/usr/bin:/bin", "HOME": WORK_DIR, "TMPDIR": WORK_DIR, "LANG": "C.UTF-8"}
        try:
            argv = jail_argv(program_dir, disk_mb * 1024 * 1024, command)
            with open(os.path.join(program_dir, ".stdin"), "rb") as stdin_file:
                os.unlink(stdin_file.name)  # read from the open descriptor; not visible in the jail
                proc = subprocess.Popen(
                    argv,
                    stdin=stdin_file,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    start_new_session=True,
                )
        except (OSError, JailUnavailable) as exc:
            return ExecResult("sandbox_error", None, "", f"could not start the sandbox: {exc}", 0.0)
        with proc:
            out, err, verdict = _collect(proc, start + timeout_s, max_output_bytes, watch)
            returncode = proc.wait()
        wall_s = time.monotonic() - start
    finally:
        shutil.rmtree(program_dir, ignore_errors=True)
    if returncode > 128:  # bwrap reports a program killed by signal N as 128 + N
        returncode = 128 - returncode
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    status = _status(verdict, returncode, stderr, wall_s >= cpu_limit)
    return ExecResult(status, returncode, stdout, stderr, wall_s)


def run_python_many(
    programs: Sequence[tuple[str, str]], *, max_workers: int | None = None, **limits: Any
) -> list[ExecResult]:
    """Run ``(code, stdin)`` pairs with at most ``max_workers`` (default: CPU count) at a time, in order.

    ``limits`` are `run_python`'s keyword arguments (timeout_s, memory_mb, max_output_bytes, ...).
    """
    workers = max_workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda program: run_python(program[0], stdin=program[1], **limits), programs))


@lru_cache(maxsize=1)
def isolation() -> dict[str, bool]:
    """Which isolation layers take effect here (probed once): ``seccomp``, ``network_namespace``,
    ``pid_namespace``, ``mount_namespace``, ``unprivileged`` (uid and gid 65534, no capabilities)."""
    probe = (
        "import os\n"
        "s = open('/proc/self/status').read()\n"
        "print(int('Seccomp:\\t2' in s), int('CapEff:\\t0000000000000000' in s), os.getuid(), os.getgid(),"
        " os.readlink('/proc/self/ns/net'), os.readlink('/proc/self/ns/pid'), os.readlink('/proc/self/ns/mnt'))\n"
    )
    result = run_python(probe, timeout_s=30, memory_mb=256, max_output_bytes=4096)
    if result.status != "ok":
        raise RuntimeError(f"sandbox probe failed ({result.status}): {result.stderr[-2000:]}")
    seccomp, no_caps, uid, gid, net, pid, mnt = result.stdout.split()
    own = {name: os.readlink(f"/proc/self/ns/{name}") for name in ("net", "pid", "mnt")}
    return {
        "seccomp": seccomp == "1",
        "network_namespace": net != own["net"],
        "pid_namespace": pid != own["pid"],
        "mount_namespace": mnt != own["mnt"],
        "unprivileged": no_caps == "1" and uid == gid == "65534",
    }


def _status(verdict: str | None, returncode: int, stderr: str, cpu_spent: bool) -> Status:
    """``cpu_spent``: the run lasted at least its CPU limit, so a SIGKILL is the kernel's at the hard CPU
    limit (a program that ignores SIGXCPU), not a crash."""
    if verdict in ("timeout", "output_limit", "stopped"):
        return verdict  # type: ignore[return-value]
    if returncode == 0:
        return "ok"
    if returncode == -signal.SIGXCPU or (returncode == -signal.SIGKILL and cpu_spent):
        return "timeout"
    if stderr.startswith(("bwrap: ", "setpriv: ")):
        return "sandbox_error"
    if "MemoryError" in stderr[-4096:]:
        return "memory"
    return "error"


def _collect(
    proc: subprocess.Popen, deadline: float, cap: int, watch: Watch | None
) -> tuple[bytes, bytes, str | None]:
    """Read stdout/stderr until both close, the main process exits, the deadline passes or a cap is hit;
    then kill the process group (the main process is not yet reaped) and drain what is left."""
    buffers = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    verdict: str | None = None
    with selectors.DefaultSelector() as sel:
        for fd in buffers:
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)

        def read_ready(timeout: float) -> None:
            nonlocal verdict
            for key, _ in sel.select(timeout):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fd)
                    continue
                buf = buffers[key.fd]
                buf += chunk
                if len(buf) > cap:
                    del buf[cap:]
                    verdict = verdict or "output_limit"
                elif watch is not None and key.fd == proc.stdout.fileno() and watch(chunk):
                    verdict = verdict or "stopped"

        while sel.get_map() and verdict is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                verdict = "timeout"
                break
            read_ready(min(remaining, _POLL_S))
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                break  # main process exited; descendants may still hold the pipes
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        drain_until = time.monotonic() + _DRAIN_S
        while sel.get_map() and time.monotonic() < drain_until:
            read_ready(_POLL_S)
    return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), verdict


# The child side lives in sandbox_child.py; `_launcher` ships those functions as source.
_CHILD_FUNCTIONS = (_child_limits, _child_seccomp, _child_guards, _child_main)


@lru_cache(maxsize=1)
def _launcher() -> str:
    """The ``-c`` program: the child functions' source, then the call to `_child_main`."""
    return "\n\n".join(inspect.getsource(fn) for fn in _CHILD_FUNCTIONS) + "\n\n_child_main()\n"
