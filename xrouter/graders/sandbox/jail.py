"""The sandbox's jail: the bubblewrap (``bwrap``) command that gives each run its own, minimal world.

Why bubblewrap: it is the maintained, setuid-free tool that builds exactly this (Flatpak's sandbox), it is in
every distribution's packages (``make system-deps`` installs it), and it needs no daemon. The command:

- namespaces: mount, PID, network, IPC, UTS and cgroup (``--unshare-*``); the program is not PID 1 and sees
  no process outside its own namespace; the network namespace has only a downed loopback, and since abstract
  Unix sockets belong to the network namespace, those of the host are unreachable too;
- the file system is a fresh tmpfs root holding, read-only, only what the interpreter needs: the Python
  executable, its shared library, the standard library (with ``site-packages`` hidden under an empty
  read-only tmpfs) and the system's shared-library directories. No project tree, no ``data/``, no caches, no
  venv, no ``/etc``, no ``/home``, no ``/run``, hence no filesystem Unix socket of the host;
- the program (``/run/program/main.py``) is a read-only bind of one file's directory; ``/tmp`` (the working
  directory and ``$HOME``) and ``/dev/shm`` are private tmpfs mounts with a size cap (the disk quota), gone
  when the run ends; ``/proc`` is the new PID namespace's, ``/dev`` a minimal one (null, zero, urandom, ...);
- the user: when the grader runs as root (as in CI and on the training machines), bwrap keeps only the
  capabilities needed to drop them, and ``setpriv`` switches to uid/gid 65534 (nobody), clears the
  supplementary groups, empties every capability set and sets no_new_privs before the interpreter starts:
  the program is an unprivileged user on the host, not only in a namespace. As a normal user, a user
  namespace maps uid 65534 inside to the caller's own (already unprivileged) uid;
- ``--new-session`` (no terminal to push input into) and ``--die-with-parent`` (the run dies with the grader).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import sysconfig
from functools import lru_cache

NOBODY = 65534
PROGRAM_DIR = "/run/program"
WORK_DIR = "/tmp"
SETPRIV = "/usr/bin/setpriv"


class JailUnavailable(RuntimeError):
    """bubblewrap (or, as root, setpriv) is missing: the sandbox refuses to run without its jail."""


@lru_cache(maxsize=1)
def interpreter() -> str:
    """The base interpreter (not the venv's wrapper: the venv's packages stay outside the jail)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


@lru_cache(maxsize=1)
def _read_only_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(paths bound read-only at the same place, site-packages directories to hide)."""
    stdlib = os.path.dirname(os.__file__)
    dynload = os.path.dirname(importlib.util.find_spec("_json").origin or stdlib)
    paths = [interpreter(), stdlib, dynload]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        libdir, soname = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
        if libdir and soname and os.path.exists(os.path.join(libdir, soname)):
            paths.append(os.path.join(libdir, soname))
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for lib in ("/usr/lib64", f"/usr/lib/{multiarch}", "/lib64", f"/lib/{multiarch}"):
        if os.path.isdir(lib) and not os.path.islink(lib) and lib.rstrip("/") not in ("/lib", "/usr/lib"):
            paths.append(lib)
    if os.geteuid() == 0:
        paths.append(SETPRIV)
    hidden = [p for p in (os.path.join(stdlib, "site-packages"), os.path.join(stdlib, "dist-packages"))
              if os.path.isdir(p)]  # fmt: skip
    return tuple(dict.fromkeys(os.path.realpath(p) for p in paths)), tuple(hidden)


def _parents(path: str) -> list[str]:
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


@lru_cache(maxsize=1)
def _base_argv() -> tuple[str, ...]:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise JailUnavailable("bubblewrap (bwrap) is not installed; run `make system-deps`")
    if os.geteuid() == 0 and not os.access(SETPRIV, os.X_OK):
        raise JailUnavailable(f"{SETPRIV} (util-linux) is needed to drop root in the sandbox")
    argv = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]  # fmt: skip
    if os.geteuid() == 0:  # keep only what setpriv needs to become nobody and drop everything
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        argv += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    binds, hidden = _read_only_paths()
    made: set[str] = set()
    for path in binds:
        for parent in _parents(path):  # bwrap would create missing parents 0700: unreadable for nobody
            if parent not in made and not any(parent == b or parent.startswith(b + "/") for b in binds):
                argv += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        argv += ["--ro-bind", path, path]
    for path in hidden:
        argv += ["--perms", "0555", "--tmpfs", path, "--remount-ro", path]
    for link in ("/lib", "/lib64", "/bin"):
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "0755", "--dir", "/run"]
    return tuple(argv)


def jail_argv(program_dir: str, disk_bytes: int, command: list[str]) -> list[str]:
    """The bwrap command that runs ``command`` in the jail, with ``program_dir`` (the host directory holding
    ``main.py``) at `PROGRAM_DIR`, and ``disk_bytes`` as the size of each of ``/tmp`` and ``/dev/shm``."""
    argv = [*_base_argv(), "--ro-bind", program_dir, PROGRAM_DIR]
    for path in (WORK_DIR, "/dev/shm"):
        argv += ["--perms", "1777", "--size", str(disk_bytes), "--tmpfs", path]
    argv += ["--chdir", WORK_DIR, "--"]
    if os.geteuid() == 0:
        argv += [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs", "--"]  # fmt: skip
    return argv + command
