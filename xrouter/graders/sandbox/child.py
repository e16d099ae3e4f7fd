"""The sandbox's child side: functions that run only inside the sandboxed interpreter.

`sandbox._launcher` ships their *source* (inspect.getsource) as the child's `-c` program, so each function
imports what it needs and uses no module globals: none of them exist in the child. Keep it that way.
"""


def _child_limits(memory_bytes: int, cpu_s: int, nproc: int, nofile: int, fsize: int) -> None:
    import resource

    for limit, soft, hard in (
        (resource.RLIMIT_AS, memory_bytes, memory_bytes),
        (resource.RLIMIT_CPU, cpu_s, cpu_s + 1),  # SIGXCPU at the soft limit, SIGKILL at the hard one
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_FSIZE, fsize, fsize),
        (resource.RLIMIT_NOFILE, nofile, nofile),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        resource.setrlimit(limit, (soft, hard))


def _child_seccomp(libc) -> bool:
    import ctypes
    import os
    import struct

    # fmt: off
    tables = {  # audit arch, syscall numbers (asm/unistd_64.h; asm-generic for aarch64)
        "x86_64": (0xC000003E, {
            "clone": 56, "fork": 57, "vfork": 58, "kill": 62, "tgkill": 234, "prlimit64": 302, "clone3": 435,
            "deny": {"ptrace": 101, "setrlimit": 160, "tkill": 200, "process_vm_readv": 310,
                     "process_vm_writev": 311, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
                     "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "kcmp": 312,
                     "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
                     "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
                     "fsmount": 432, "fspick": 433, "mount_setattr": 442, "name_to_handle_at": 303,
                     "open_by_handle_at": 304, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
                     "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
                     "io_uring_register": 427, "personality": 135, "syslog": 103, "acct": 163,
                     "quotactl": 179, "swapon": 167, "swapoff": 168, "reboot": 169, "kexec_load": 246,
                     "init_module": 175, "finit_module": 313, "delete_module": 176, "setuid": 105,
                     "setgid": 106, "setreuid": 113, "setregid": 114, "setresuid": 117, "setresgid": 119,
                     "setgroups": 116}}),
        "aarch64": (0xC00000B7, {
            "clone": 220, "kill": 129, "tgkill": 131, "prlimit64": 261, "clone3": 435,
            "deny": {"ptrace": 117, "setrlimit": 164, "tkill": 130, "process_vm_readv": 270,
                     "process_vm_writev": 271, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
                     "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "kcmp": 272,
                     "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
                     "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
                     "fspick": 433, "mount_setattr": 442, "name_to_handle_at": 264, "open_by_handle_at": 265,
                     "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241,
                     "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
                     "io_uring_register": 427, "personality": 92, "syslog": 116, "acct": 89, "quotactl": 60,
                     "swapon": 224, "swapoff": 225, "reboot": 142, "kexec_load": 104, "init_module": 105,
                     "finit_module": 273, "delete_module": 106, "setuid": 146, "setgid": 144, "setreuid": 145,
                     "setregid": 143, "setresuid": 147, "setresgid": 149, "setgroups": 159}}),
    }
    if os.uname().machine not in tables:
        return False
    audit_arch, nr = tables[os.uname().machine]
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|{JEQ,JGE,JSET}|K, BPF_RET|K
    arg0, arg2_lo, arg2_hi = 16, 32, 36  # offsets in struct seccomp_data (little endian)
    # (op, jump if true, jump if false, k); a jump is 0 (next instruction) or a label; labels are strings.
    prog = [(ld, 0, 0, 4), (jeq, 0, "kill", audit_arch), (ld, 0, 0, 0), (jge, "deny", 0, 0x40000000)]  # x32
    prog += [(jeq, "deny", 0, number) for number in nr["deny"].values()]
    prog += [(jeq, "deny", 0, nr[name]) for name in ("fork", "vfork") if name in nr]
    prog += [
        (jeq, "enosys", 0, nr["clone3"]),
        (jeq, 0, "not_clone", nr["clone"]), (ld, 0, 0, arg0), (jset, "allow", "deny", 0x10000),  # CLONE_THREAD
        "not_clone", (jeq, "to_self", 0, nr["kill"]), (jeq, 0, "not_signal", nr["tgkill"]),
        "to_self", (ld, 0, 0, arg0), (jeq, "allow", "deny", os.getpid()),
        "not_signal", (jeq, 0, "allow", nr["prlimit64"]),  # a prlimit64 that sets (new_limit != NULL) is denied
        (ld, 0, 0, arg2_lo), (jeq, 0, "deny", 0), (ld, 0, 0, arg2_hi), (jeq, "allow", "deny", 0),
        "allow", (ret, 0, 0, 0x7FFF0000),
        "deny", (ret, 0, 0, 0x00050000 | 1),  # SECCOMP_RET_ERRNO | EPERM
        "enosys", (ret, 0, 0, 0x00050000 | 38),  # SECCOMP_RET_ERRNO | ENOSYS
        "kill", (ret, 0, 0, 0x80000000),  # SECCOMP_RET_KILL_PROCESS: a foreign syscall ABI
    ]
    # fmt: on
    labels, count = {}, 0
    for entry in prog:
        if isinstance(entry, str):
            labels[entry] = count
        else:
            count += 1
    instructions = [entry for entry in prog if not isinstance(entry, str)]
    code = b"".join(
        struct.pack("HBBI", op, *(labels[j] - i - 1 if isinstance(j, str) else j for j in (jt, jf)), k)
        for i, (op, jt, jf, k) in enumerate(instructions)
    )
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(instructions), ctypes.addressof(buf))
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    ulong = ctypes.c_ulong
    if libc.prctl(pr_set_no_new_privs, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
        return False
    return (
        libc.prctl(pr_set_seccomp, ulong(seccomp_mode_filter), ctypes.byref(fprog), ulong(0), ulong(0)) == 0
    )


def _child_guards(root: str, allow_subprocess: bool) -> None:
    import _posixsubprocess
    import builtins
    import importlib.machinery
    import io
    import os
    import posix
    import sys

    def blocked(name):
        def refuse(*args, **kwargs):
            raise PermissionError(f"{name} is disabled in the sandbox")

        return refuse

    def inside(path, dir_fd=None) -> bool:
        if isinstance(path, int):
            return True  # an already open file descriptor
        path = os.fsdecode(os.fspath(path))
        if dir_fd is not None:
            path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
        real = os.path.realpath(path)
        return real == root or real.startswith(root + os.sep)

    real_open, real_os_open = io.open, os.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and not inside(file):
            raise PermissionError(f"writing outside the sandbox directory is disabled: {file!r}")
        return real_open(file, mode, *args, **kwargs)

    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def guarded_os_open(path, flags, mode=0o777, *, dir_fd=None):
        if flags & write_flags and not inside(path, dir_fd):
            raise PermissionError(f"writing outside the sandbox directory is disabled: {path!r}")
        return real_os_open(path, flags, mode, dir_fd=dir_fd)

    def path_guard(name, fn):  # fn(path, [path2,] ..., *, [src_|dst_]dir_fd=None, ...)
        def guarded(*args, **kwargs):
            first, second = kwargs.get("src_dir_fd", kwargs.get("dir_fd")), kwargs.get("dst_dir_fd")
            paths = [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
            if not all(inside(p, first if i == 0 else second) for i, p in enumerate(paths)):
                raise PermissionError(f"os.{name} outside the sandbox directory is disabled")
            return fn(*args, **kwargs)

        return guarded

    builtins.open = io.open = guarded_open
    os.open = posix.open = guarded_os_open
    mutators = ("remove", "unlink", "rmdir", "mkdir", "rename", "replace", "link", "symlink", "truncate")
    for name in (*mutators, "chmod", "chown", "lchown", "utime"):
        os.__dict__[name] = posix.__dict__[name] = path_guard(name, getattr(posix, name))
    names = ["kill", "killpg", "setsid", "setpgid", "chroot", "setuid", "setgid"]
    if not allow_subprocess:
        names += ["system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"]
        names += [name for name in dir(os) if name.startswith(("exec", "spawn"))]
        _posixsubprocess.fork_exec = blocked("subprocess")  # subprocess, multiprocessing, os.popen
    for name in names:
        for module in (os, posix):
            if hasattr(module, name):
                setattr(module, name, blocked(f"os.{name}"))

    class SocketGuard:  # patches `socket` when (if ever) it is imported, so unused it costs nothing
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "socket":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                for attr in ("connect", "connect_ex", "bind", "sendto", "sendmsg"):
                    setattr(module.socket, attr, blocked(f"socket.{attr}"))
                lookups = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")
                for attr in ("create_connection", "create_server", *lookups):
                    setattr(module, attr, blocked(f"socket.{attr}"))

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, SocketGuard)


def _child_main() -> None:
    import builtins
    import ctypes
    import sys
    import types

    path, root, allow_subprocess = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    with open(path, encoding="utf-8") as f:
        code = compile(f.read(), path, "exec")
    _child_limits(*map(int, sys.argv[4:]))
    if not allow_subprocess:
        _child_seccomp(ctypes.CDLL(None, use_errno=True))
    _child_guards(root, allow_subprocess)
    main = types.ModuleType("__main__")
    main.__file__, main.__builtins__ = path, builtins
    sys.modules["__main__"], sys.argv = main, [path]
    exec(code, main.__dict__)  # noqa: S102 -- running untrusted code is this module's purpose
