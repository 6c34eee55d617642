"""The kernel layer (Linux): a seccomp-bpf filter, with no_new_privs, and a Landlock ruleset,
loaded into the process that runs learner code before any of it runs. The audit hook (worker.guard) turns the usual
mistakes into friendly messages; this is what refuses for real, and no process can lift a
filter once it is loaded. A refused call fails with EPERM (clone3 with ENOSYS, so that glibc
falls back to clone, whose flags the filter can read).

Refused: new processes (fork, vfork, clone without CLONE_THREAD, execve, execveat), signals to
any other process (kill, tgkill and rt_sigqueueinfo except to itself; tkill; pidfd_*), ptrace
and process_vm_*, new sockets, mknod (FIFOs, devices), chown, extended attributes, mount and
namespaces, bpf, keyrings, io_uring, setsid and setpgid, setting rlimits, ids or capabilities;
opening a file to write, create or truncate it, and changing a file's mode, times, names and links
(what Landlock refuses too, where it holds); and the calls only a privileged process may make
(reboot, modules, the clock, open_by_handle_at, perf_event_open, ...). Allowed: threads
(clone with CLONE_THREAD), which NumPy's BLAS and the spawn worker's orphan watch use.

Landlock (kernel 5.13+, three system calls through ctypes): reading only the submission, the
standard library and NumPy; writing, creating, removing, linking and executing nowhere; so no
/proc of another process (the grader's command line, its memory), no solutions/, no other
submission. It uses the best ABI the kernel offers (TCP bind and connect refused from ABI 4,
signals and abstract sockets scoped to the process from ABI 6) and says which.

An unprivileged uid (a grader that runs as root, as Gradescope's and GitHub's containers do):
once the worker has read the submission, it becomes a uid of its own (UID_BASE plus its pid: no
real user's, and no two live workers share one), with no groups and no capabilities, and
RLIMIT_NPROC caps what that uid may run. So /proc/<grader> (its environment, its memory) is
another user's, a signal to the grader or to another submission's worker is refused, and files
are only what any user may touch. Only where the standard library and NumPy are readable by
any user: a Python under /root is not, and there the worker keeps its uid and says why.

libseccomp through its ctypes binding pyseccomp; where a layer is missing (not Linux, no
libseccomp, an old kernel, a container that denies the calls), `level` says what holds and
`why_not` what does not, and the rest still applies.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import stat
import sys

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
    # the file system's changes, which Landlock refuses too, where it holds (and a worker as root
    # could make anywhere without it): a file's mode, times, names and links
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "rmdir",
    "mkdir",
    "mkdirat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "truncate",
    "creat",
    "openat2",  # its flags are out of the filter's reach: glibc falls back to openat
    # what only a privileged process may do: a root worker without its own uid still may not
    "name_to_handle_at",
    "open_by_handle_at",
    "reboot",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "acct",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "syslog",
    "quotactl",
    "perf_event_open",
    "userfaultfd",
    "kcmp",
    "fanotify_init",
    "migrate_pages",
    "move_pages",
    "vhangup",
    "capset",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setgroups",
    "setfsuid",
    "setfsgid",
)
WRITING = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC, os.O_APPEND)  # open flags: any one refuses the open
FLAGS_ARGUMENT = {"open": 1, "openat": 2}
SIGNALS_TO_SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")  # their first argument: a pid
UID_BASE = 1 << 20  # above any real user's uid (pid_max is at most 1 << 22)
PROCESSES = 32  # RLIMIT_NPROC of a worker's own uid: the worker, its children, their threads


class Confinement:
    """The layers, prepared once where the worker starts; `apply` loads them into the process
    that is about to run learner code (a fork inherits what was prepared and loads its own)."""

    def __init__(self):
        self.why_not: list[str] = []
        self.uid: int | None = None  # the worker's own uid, once it has become it
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
            with contextlib.suppress(OSError):  # a call this architecture does not have (fork on aarch64, say)
                self._filter.add_rule(refuse, name)
        self._filter.add_rule(refuse, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_THREAD, 0))
        self._filter.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
        for call, argument in FLAGS_ARGUMENT.items():
            for flag in WRITING:
                with contextlib.suppress(OSError):  # no open(2) on aarch64: openat alone
                    self._filter.add_rule(refuse, call, pyseccomp.Arg(argument, pyseccomp.MASKED_EQ, flag, flag))
        self._filter.add_rule(refuse, "prlimit64", pyseccomp.Arg(2, pyseccomp.NE, 0))  # setting, not reading

    @property
    def level(self) -> str:
        """What holds, e.g. "seccomp-bpf + Landlock ABI 7"; "" where nothing does."""
        layers = ["seccomp-bpf"] if self._filter is not None else []
        if self._landlock.abi:
            layers.append(f"Landlock ABI {self._landlock.abi}")
        if self.uid is not None:
            layers.append("own uid")
        return " + ".join(layers)

    @property
    def complete(self) -> bool:
        """Both kernel layers hold: what grading for credit asks for (the uid is a further wall,
        where the grader runs as root)."""
        return self._filter is not None and bool(self._landlock.abi)

    def try_filter(self) -> None:
        """Load the filter in a throwaway fork, for a process that confines only its forks (the
        fork backend's server): where it fails to load (a container whose own seccomp profile
        denies seccomp), `level` must not promise it."""
        if self._filter is None:
            return
        said, told = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(said)
            try:
                self._filter.load()
            except OSError as err:
                os.write(told, str(err).encode())
            os._exit(0)
        os.close(told)
        with os.fdopen(said, "rb") as reading:
            failure = reading.read().decode()
        os.waitpid(pid, 0)
        if failure:
            self._filter = None
            self.why_not.append(f"no seccomp: loading the filter failed ({failure})")

    def drop_privileges(self, libraries: list[str]) -> None:
        """As root, become a uid of this process's own, with no groups or capabilities and at
        most PROCESSES processes; do it after reading the submission (the new uid need not read
        it) and before `apply` (the filter refuses setting rlimits). Elsewhere, nothing to do."""
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            return
        try:
            import resource  # now: the new uid may not be able to read it
        except ImportError:  # a Python without it has no RLIMIT_NPROC to set either
            return

        closed = next((path for path in libraries if not _open_to_all(path)), None)
        if closed is not None:
            self.why_not.append(f"no own uid: {closed} is not readable by other users, and the worker imports from it")
            return
        uid = UID_BASE + os.getpid()
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        except OSError as err:  # a user namespace that maps too few uids, say
            self.why_not.append(f"no own uid: {err}")
            return
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))
        self.uid = uid

    def restrict_reading(self, readable: list[str]) -> None:
        """Landlock alone, for a process that must still fork (the fork backend's worker, before
        it reads the submission): its children inherit it, and `apply` does not add it again."""
        self._landlock.done = True
        if not self._landlock.abi:  # no Landlock here (nor, on macOS or Windows, a prctl)
            return
        _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # what Landlock asks of an unprivileged process
        try:
            self._landlock.restrict(readable)
        except OSError as err:  # a container that denies the Landlock calls
            self._landlock.abi = 0
            self.why_not.append(f"no Landlock: {err}")

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


def _open_to_all(path: str) -> bool:
    """Whether any user may read `path` (a folder): it and every folder above it let others in."""
    path = os.path.realpath(path)
    try:
        if os.stat(path).st_mode & (stat.S_IROTH | stat.S_IXOTH) != stat.S_IROTH | stat.S_IXOTH:
            return False
        while path != (parent := os.path.dirname(path)):
            path = parent
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
    except OSError:
        return False
    return True


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


def probe(libraries: list[str]) -> dict:
    """Confine this process as a worker is confined, and say what held: `course grade` asks
    this of a throwaway interpreter before it grades anything."""
    confinement = Confinement()
    confinement.restrict_reading(libraries)
    confinement.drop_privileges(libraries)
    confinement.apply(libraries)
    return {"level": confinement.level, "complete": confinement.complete, "why_not": confinement.why_not}


if __name__ == "__main__":  # confine.py --probe LIBRARY... [--numpy DIR]: a JSON line, what held
    libraries = sys.argv[sys.argv.index("--probe") + 1 :]
    if "--numpy" in libraries:  # started without site: pyseccomp lives beside NumPy
        libraries, numpy = libraries[: libraries.index("--numpy")], libraries[-1]
        sys.path.append(numpy)
    print(json.dumps(probe(libraries)))
