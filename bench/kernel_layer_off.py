"""`python bench/kernel_layer_off.py COMMAND...`: run COMMAND as in a container that denies the
kernel layer's system calls (Landlock's and seccomp's), for the benchmark's batch without it.

The denial is itself a seccomp filter, inherited by the grader and every worker: five rules, whose
cost per system call is far below the noise of a batch (the layer's own filter has about a
hundred). So the row compares the course's layer with none, give or take that."""

import errno
import os
import sys

import pyseccomp as seccomp

PR_SET_SECCOMP = 22

deny = seccomp.SyscallFilter(seccomp.ALLOW)
for call in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"):
    deny.add_rule(seccomp.ERRNO(errno.ENOSYS), call)
deny.add_rule(seccomp.ERRNO(errno.ENOSYS), "seccomp")
deny.add_rule(seccomp.ERRNO(errno.EINVAL), "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_SECCOMP))
deny.load()
os.execv(sys.argv[1], sys.argv[1:])
