"""The trust boundary: learner code runs in a worker process, and only plain data comes back.

The package, in the order to read it:
- handle.py: `Sandbox`, the trusted parent's handle on one submission's worker, and `Outcome`,
  what one call came to: limits per call and per submission, a fresh worker after a death.
- frames.py and wire.py: frames, and in them requests and replies as plain data only (never
  an unpickled object).
- backends.py: which backend runs here, and why (`COURSE_SANDBOX=fork|spawn` forces one).
- fork.py and fork_worker.py: the fork backend (Linux): a fork server with NumPy loaded, a
  forked worker per submission and forked children per exercise, over AF_UNIX sockets.
- spawn.py and spawn_worker.py: the spawn backend (anywhere CPython runs): a worker started
  with `subprocess`, over pipes, a fresh one after an exercise that leaves a mark.
- worker.py: what both workers share: the call machinery, the audit hook, the marks, limits.
"""
