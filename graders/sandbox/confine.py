"""The kernel layer (Linux): a seccomp-bpf filter, with no_new_privs, and a Landlock ruleset,
loaded into the process that runs learner code before any of it runs. The audit hook (worker.guard) turns the usual
mistakes into friendly messages; this is what refuses for real, and no process can lift a
filter once it is loaded. A refused call fails with EPERM (clone3 with ENOSYS, so that glibc
falls back to clone, whose flags the filter can read).

Refused: new processes (fork, vfork, clone without CLONE_THREAD, execve, execveat), signals to
any other process (kill, tgkill and rt_sigqueueinfo except to itself; tkill; pidfd_*), ptrace
and process_vm_*, new sockets, mknod (FIFOs, devices), chown, extended attributes, mount and
namespaces, bpf, keyrings, io_uring, setsid and setpgid, and setting rlimits. Allowed: threads
(clone with CLONE_THREAD), which NumPy's BLAS and the spawn worker's orphan watch use.

Landlock (kernel 5.13+, three system calls through ctypes): reading only the submission, the
standard library and NumPy; writing, creating, removing, linking and executing nowhere; so no
/proc of another process (the grader's command line, its memory), no solutions/, no other
submission. It uses the best ABI the kernel offers (TCP bind and connect refused from ABI 4,
signals and abstract sockets scoped to the process from ABI 6) and says which.

libseccomp through its ctypes binding pyseccomp; where a layer is missing (not Linux, no
libseccomp, an old kernel, a container that denies the calls), `level` says what holds and
`why_not` what does not, and the rest still applies.
"""

from __future__ import annotations

import ctypes
import errno
import os

CLONE_THREAD = 0x00010000
REFUSED = (
    "fork",
    "vfork",
    "execve",
    "execveat",
    "tkill",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "socket",
    "socketpair",
    "mknod",
    "mknodat",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "setsid",
    "setpgid",
    "setrlimit",
)
SIGNALS_TO_SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")  # their first argument: a pid


class Confinement:
    """The layers, prepared once where the worker starts; `apply` loads them into the process
    that is about to run learner code (a fork inherits what was prepared and loads its own)."""

    def __init__(self):
        self.why_not: list[str] = []
        self._filter = None
        self._landlock = _Landlock()
        if self._landlock.why_not:
            self.why_not.append(self._landlock.why_not)
        try:
            import pyseccomp
        except (ImportError, RuntimeError, OSError) as err:  # RuntimeError: pyseccomp found no libseccomp
            self.why_not.append(f"no seccomp: no libseccomp ({err})")
            return
        self._seccomp = pyseccomp
        refuse = pyseccomp.ERRNO(errno.EPERM)
        self._filter = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        for name in REFUSED:
            try:
                self._filter.add_rule(refuse, name)
            except OSError:  # a call this architecture does not have (fork on aarch64, say)
                pass
        self._filter.add_rule(refuse, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_THREAD, 0))
        self._filter.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
        self._filter.add_rule(refuse, "prlimit64", pyseccomp.Arg(2, pyseccomp.NE, 0))  # setting, not reading

    @property
    def level(self) -> str:
        """What holds, e.g. "seccomp-bpf + Landlock ABI 7"; "" where nothing does."""
        layers = ["seccomp-bpf"] if self._filter is not None else []
        if self._landlock.abi:
            layers.append(f"Landlock ABI {self._landlock.abi}")
        return " + ".join(layers)

    def restrict_reading(self, readable: list[str]) -> None:
        """Landlock alone, for a process that must still fork (the fork backend's worker, before
        it reads the submission): its children inherit it, and `apply` does not add it again."""
        _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # what Landlock asks of an unprivileged process
        try:
            self._landlock.restrict(readable)
        except OSError as err:  # a container that denies the Landlock calls
            self._landlock.abi = 0
            self.why_not.append(f"no Landlock: {err}")
        self._landlock.done = True

    def apply(self, readable: list[str]) -> str:
        """Confine this process (and the threads it starts from now on): reading only beneath
        `readable`, its signals limited to itself. Returns `level`."""
        if not self._landlock.done:
            self.restrict_reading(readable)
        if self._filter is not None:
            me = os.getpid()
            try:
                for name in SIGNALS_TO_SELF_ONLY:
                    self._filter.add_rule(
                        self._seccomp.ERRNO(errno.EPERM), name, self._seccomp.Arg(0, self._seccomp.NE, me)
                    )
                self._filter.load()
            except OSError as err:  # a container whose own seccomp profile denies seccomp
                self._filter = None
                self.why_not.append(f"no seccomp: loading the filter failed ({err})")
        return self.level


PR_SET_NO_NEW_PRIVS = 38
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446  # every architecture
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
READ_FILE, READ_DIR = 1 << 2, 1 << 3
FS_ACCESS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}  # execute .. ioctl_dev
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


class _Landlock:
    """Landlock through its three system calls: the ABI is asked once; `restrict` builds and
    enforces a ruleset in the calling process."""

    def __init__(self):
        self.abi, self.why_not, self.done = 0, "", False
        try:
            abi = _libc().syscall(
                SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION)
            )
        except (OSError, AttributeError) as err:  # no libc to ask (not Linux)
            self.why_not = f"no Landlock ({err})"
            return
        if abi < 1:
            self.why_not = f"no Landlock: {os.strerror(ctypes.get_errno())} (a kernel before 5.13, or disabled)"
            return
        self.abi = abi

    def restrict(self, readable: list[str]) -> None:
        if not self.abi:
            return
        libc = _libc()
        fs = FS_ACCESS_BY_ABI[max(v for v in FS_ACCESS_BY_ABI if v <= self.abi)]
        attr = _RulesetAttr(
            handled_access_fs=fs,
            handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if self.abi >= 4 else 0,
            scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if self.abi >= 6 else 0,
        )
        size = ctypes.sizeof(_RulesetAttr) if self.abi >= 6 else (16 if self.abi >= 4 else 8)
        ruleset = libc.syscall(
            SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)
        )
        if ruleset < 0:
            raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
        try:
            for path in readable:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                try:
                    rule = _PathBeneathAttr(allowed_access=(READ_FILE | READ_DIR) & fs, parent_fd=fd)
                    if (
                        libc.syscall(
                            SYS_LANDLOCK_ADD_RULE,
                            ctypes.c_int(ruleset),
                            ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                            ctypes.byref(rule),
                            ctypes.c_uint32(0),
                        )
                        < 0
                    ):
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
                finally:
                    os.close(fd)
            if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
                raise OSError(ctypes.get_errno(), "landlock_restrict_self")
        finally:
            os.close(ruleset)
