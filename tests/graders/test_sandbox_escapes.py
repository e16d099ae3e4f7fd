"""Escapes from the sandbox, tried as an attacker would through `run_python` only: each test is one class of
escape, and each attempt bypasses the Python-level guards (raw ``_io``, ``posix``, ``_socket``, libc through
ctypes), so what stops it is the jail (bubblewrap, an unprivileged user) or the seccomp filter."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import xrouter
from xrouter.graders.sandbox import isolation, run_python

LIMITS = {"timeout_s": 20.0, "memory_mb": 256, "max_output_bytes": 100_000}
PROJECT = Path(xrouter.__file__).resolve().parent.parent
# Run a list of attempts; print one line per attempt: "<name> ok" when it worked, else the error's name.
ATTEMPTS = """import _io, ctypes, errno, os, posix, sys
libc = ctypes.CDLL(None, use_errno=True)
def syscall(*args):
    res = libc.syscall(*[ctypes.c_long(a) for a in args])
    if res < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return res
def attempt(name, fn):
    try:
        fn()
        print(name, 'ok', flush=True)
    except BaseException as exc:
        print(name, type(exc).__name__, flush=True)
"""


def attempts(body: str, **limits) -> dict[str, str]:
    result = run_python(ATTEMPTS + body, **{**LIMITS, **limits})
    assert result.status == "ok", result
    return dict(line.rsplit(" ", 1) for line in result.stdout.splitlines() if " " in line)


def test_the_jail_is_in_effect_here():
    assert isolation() == {
        "seccomp": True,
        "network_namespace": True,
        "pid_namespace": True,
        "mount_namespace": True,
        "unprivileged": True,
    }


def test_project_data_venv_and_caches_are_invisible():
    paths = [str(PROJECT), str(PROJECT / "xrouter"), "/work", "/work/shared/data", sys.prefix,
             str(Path.home() / ".cache"), "/etc", "/var", "/home", "/run/user"]  # fmt: skip
    body = "".join(f"attempt({p!r}, lambda: os.listdir({p!r}))\n" for p in paths)
    body += "attempt('import numpy', lambda: __import__('numpy'))\n"
    body += "attempt('import xrouter', lambda: __import__('xrouter'))\n"
    body += "attempt('site-packages', lambda: print(os.listdir(os.path.dirname(os.__file__) + '/site-packages')))\n"
    found = attempts(body)
    assert all(found[p] == "FileNotFoundError" for p in paths), found
    assert found["import numpy"] == found["import xrouter"] == "ModuleNotFoundError"
    assert found["site-packages"] == "ok"  # an empty directory, printed as []


def test_nothing_outside_the_private_tmp_is_writable_even_with_raw_calls(tmp_path):
    stdlib_file = os.path.join(os.path.dirname(os.__file__), "os.py")
    targets = {"root": "/x.txt", "usr": "/usr/lib/x.txt", "stdlib": stdlib_file, "host_tmp": str(tmp_path / "x"),
               "program": "/run/program/main.py", "proc": "/proc/sys/kernel/hostname"}  # fmt: skip
    body = "".join(
        f"attempt({k!r}, lambda: _io.FileIO({v!r}, 'a').write(b'x'))\n" for k, v in targets.items()
    )
    body += "attempt('chmod_stdlib', lambda: posix.chmod(" + repr(stdlib_file) + ", 0o777))\n"
    body += "attempt('tmp', lambda: _io.FileIO('/tmp/ok.txt', 'w').write(b'x'))\n"
    body += "attempt('shm', lambda: _io.FileIO('/dev/shm/ok.txt', 'w').write(b'x'))\n"
    found = attempts(body)
    assert found["tmp"] == found["shm"] == "ok"
    assert all(
        found[k] in ("OSError", "PermissionError", "FileNotFoundError") for k in [*targets, "chmod_stdlib"]
    ), found
    assert not any(tmp_path.iterdir())


def test_runs_as_an_unprivileged_user_without_capabilities():
    body = (
        "status = open('/proc/self/status').read()\n"
        "print('ids', f'{os.getuid()},{os.geteuid()},{os.getgid()},{os.getgroups()}')\n"
        "print('capeff', [l.split()[1] for l in status.splitlines() if l.startswith('CapEff')][0])\n"
        "print('nnp', [l.split()[1] for l in status.splitlines() if l.startswith('NoNewPrivs')][0])\n"
        "attempt('setuid0', lambda: libc.setuid(0) == 0 or (_ for _ in ()).throw(OSError()))\n"
    )
    found = attempts(body)
    assert found["ids"] == "65534,65534,65534,[]"
    assert found["capeff"] == "0000000000000000" and found["nnp"] == "1"
    assert found["setuid0"] != "ok"


def test_tmp_and_dev_shm_are_private_and_do_not_outlive_the_run():
    marker = f"xrouter-escape-{os.getpid()}"
    first = attempts(
        f"attempt('write', lambda: [_io.FileIO(d + '/{marker}', 'w').write(b'x') for d in ('/tmp', '/dev/shm')])\n"
    )
    assert first["write"] == "ok"
    assert not os.path.exists(f"/dev/shm/{marker}") and not os.path.exists(f"/tmp/{marker}")
    second = attempts(
        f"attempt('still there', lambda: [os.stat(d + '/{marker}') for d in ('/tmp', '/dev/shm')])\n"
    )
    assert second["still there"] == "FileNotFoundError"


def test_disk_use_is_capped_by_a_quota():
    body = (
        "def fill(directory):\n"
        "    for i in range(64):\n"
        "        with _io.FileIO(f'{directory}/fill{i}', 'w') as f:\n"
        "            f.write(b'x' * (1 << 20))\n"
        "attempt('tmp', lambda: fill('/tmp'))\nattempt('shm', lambda: fill('/dev/shm'))\n"
    )
    found = attempts(body, disk_mb=8)
    assert found == {"tmp": "OSError", "shm": "OSError"}  # ENOSPC after 8 MB, well before 64


def test_unix_sockets_of_the_host_are_unreachable(tmp_path):
    path = str(tmp_path / "host.sock")
    abstract = f"\0xrouter-escape-{os.getpid()}"
    servers = []
    for address in (path, abstract):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(address)
        server.listen()
        server.settimeout(0.2)
        servers.append(server)
    try:
        body = "import _socket\n" + "".join(
            f"attempt({name!r}, lambda: _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM).connect({addr!r}))\n"
            for name, addr in (("path", path), ("abstract", abstract))
        )
        found = attempts(body)
        assert found["path"] != "ok" and found["abstract"] != "ok", found
        for server in servers:
            with pytest.raises(TimeoutError):
                server.accept()
    finally:
        for server in servers:
            server.close()


def test_no_signal_reaches_another_process():
    """kill, tgkill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open + pidfd_send_signal, on a host
    process (by its host pid), on the grader, on the namespace's init and on every pid (-1)."""
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        nr = {"kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
              "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438}  # fmt: skip
        if os.uname().machine != "x86_64":
            pytest.skip("syscall numbers below are x86_64's")
        body = f"info = ctypes.create_string_buffer(128)\nNR = {nr!r}\n"
        for target in (victim.pid, os.getpid(), 1, -1, 0):
            body += (
                f"attempt('kill {target}', lambda: syscall(NR['kill'], {target}, 9))\n"
                f"attempt('tkill {target}', lambda: syscall(NR['tkill'], {target}, 9))\n"
                f"attempt('tgkill {target}', lambda: syscall(NR['tgkill'], {target}, {target}, 9))\n"
                f"attempt('sigqueue {target}', lambda: syscall(NR['rt_sigqueueinfo'], {target}, 9, "
                "ctypes.addressof(info)))\n"
                f"attempt('tgsigqueue {target}', lambda: syscall(NR['rt_tgsigqueueinfo'], {target}, {target}, 9, "
                "ctypes.addressof(info)))\n"
                f"attempt('pidfd {target}', lambda: syscall(NR['pidfd_send_signal'], syscall(NR['pidfd_open'], "
                f"{target}, 0), 9, 0, 0))\n"
            )
        body += "attempt('pidfd_getfd', lambda: syscall(NR['pidfd_getfd'], 0, 0, 0))\n"
        found = attempts(body)
        assert [k for k, v in found.items() if v == "ok"] == [], found
        time.sleep(0.2)
        assert victim.poll() is None  # still alive
    finally:
        victim.kill()
        victim.wait()


def test_other_processes_memory_and_tracing_are_refused():
    if os.uname().machine != "x86_64":
        pytest.skip("syscall numbers below are x86_64's")
    body = (
        "buf = ctypes.create_string_buffer(8)\n"
        "iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8)\n"
        "attempt('process_vm_readv', lambda: syscall(310, 1, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0))\n"
        "attempt('process_vm_writev', lambda: syscall(311, 1, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0))\n"
        "attempt('ptrace attach', lambda: syscall(101, 16, 1, 0, 0))\n"
        "attempt('ptrace traceme', lambda: syscall(101, 0, 0, 0, 0))\n"
        "attempt('read init memory', lambda: open('/proc/1/mem', 'rb').read(1))\n"
        "attempt('host processes', lambda: print('pids', len([p for p in os.listdir('/proc') if p.isdigit()])))\n"
    )
    found = attempts(body)
    assert all(found[k] != "ok" for k in ("process_vm_readv", "process_vm_writev", "ptrace attach",
                                           "ptrace traceme", "read init memory")), found  # fmt: skip
    assert found["host processes"] == "ok" and int(found["pids"]) <= 3  # its own, init's, setpriv's at most


def test_namespace_and_mount_tricks_are_refused():
    if os.uname().machine != "x86_64":
        pytest.skip("syscall numbers below are x86_64's")
    body = (
        "attempt('unshare user', lambda: syscall(272, 0x10000000))\n"
        "attempt('unshare mount', lambda: syscall(272, 0x00020000))\n"
        "attempt('setns', lambda: syscall(308, os.open('/proc/1/ns/mnt', os.O_RDONLY), 0))\n"
        "attempt('mount', lambda: syscall(165, 0, ctypes.c_char_p(b'/tmp').value and 0, 0, 0, 0))\n"
        "attempt('bpf', lambda: syscall(321, 0, 0, 0))\n"
        "attempt('io_uring', lambda: syscall(425, 1, 0))\n"
        "attempt('keyctl', lambda: syscall(250, 0, 0, 0, 0, 0))\n"
        "attempt('open_by_handle_at', lambda: syscall(304, 0, 0, 0))\n"
        "attempt('fork', lambda: syscall(57))\n"
    )
    found = attempts(body)
    assert [k for k, v in found.items() if v == "ok"] == [], found


def test_the_grader_is_not_signalled_by_a_python_level_kill():
    """The Python guards and the PID namespace: os.kill on the grader's pid and on 1 does nothing here."""
    found = attempts(
        f"attempt('grader', lambda: os.kill({os.getpid()}, 9))\nattempt('init', lambda: os.kill(1, 9))\n"
    )
    assert found == {"grader": "PermissionError", "init": "PermissionError"}


def test_a_sigxcpu_ignoring_program_cannot_outlive_its_wall_clock_limit():
    code = "import signal\nfor s in (signal.SIGXCPU, signal.SIGTERM):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = run_python(code, timeout_s=1.5, cpu_s=30, memory_mb=256, max_output_bytes=1000)
    assert result.status == "timeout" and result.wall_s < 5
    assert signal.SIGKILL  # the kill at the deadline is SIGKILL to the jail, which ignores nothing
