"""The kernel layer (Linux): a seccomp-bpf filter, with no_new_privs, loaded into the process
that runs learner code before any of it runs. The audit hook (worker.guard) turns the usual
mistakes into friendly messages; this is what refuses for real, and no process can lift a
filter once it is loaded. A refused call fails with EPERM (clone3 with ENOSYS, so that glibc
falls back to clone, whose flags the filter can read).

Refused: new processes (fork, vfork, clone without CLONE_THREAD, execve, execveat), signals to
any other process (kill, tgkill and rt_sigqueueinfo except to itself; tkill; pidfd_*), ptrace
and process_vm_*, new sockets, mknod (FIFOs, devices), chown, extended attributes, mount and
namespaces, bpf, keyrings, io_uring, setsid and setpgid, and setting rlimits. Allowed: threads
(clone with CLONE_THREAD), which NumPy's BLAS and the spawn worker's orphan watch use.

libseccomp through its ctypes binding pyseccomp; where either is missing (not Linux, no
libseccomp), `build` says why and nothing is loaded.
"""
from __future__ import annotations

import errno
import os

CLONE_THREAD = 0x00010000
REFUSED = (
    "fork", "vfork", "execve", "execveat",
    "tkill", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "ptrace", "process_vm_readv", "process_vm_writev",
    "socket", "socketpair",
    "mknod", "mknodat",
    "chown", "fchown", "lchown", "fchownat",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "move_mount", "open_tree", "fsopen", "fsmount",
    "bpf", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "setsid", "setpgid", "setrlimit",
)
SIGNALS_TO_SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")  # their first argument: a pid


class Confinement:
    """The filter, built once where the worker starts; `apply` loads it into the process that
    is about to run learner code (a fork inherits the built filter and loads its own copy)."""

    def __init__(self):
        self.why_not = ""
        self._filter = None
        try:
            import pyseccomp
        except (ImportError, RuntimeError, OSError) as err:  # RuntimeError: pyseccomp found no libseccomp
            self.why_not = f"no libseccomp ({err})"
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
        return "seccomp-bpf" if self._filter is not None else ""

    def apply(self) -> str:
        """Load the filter into this process, its signals limited to itself. Returns the layer
        that holds ("seccomp-bpf"), or "" where there is none."""
        if self._filter is None:
            return ""
        me = os.getpid()
        for name in SIGNALS_TO_SELF_ONLY:
            self._filter.add_rule(self._seccomp.ERRNO(errno.EPERM), name, self._seccomp.Arg(0, self._seccomp.NE, me))
        self._filter.load()  # with no_new_privs, libseccomp's default
        return self.level
