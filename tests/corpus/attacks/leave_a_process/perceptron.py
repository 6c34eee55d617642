

# With the audit hook off, start processes that outlive grading, every way Python offers.
import multiprocessing as _multiprocessing
import os as _os
import subprocess as _subprocess

import unhook as _unhook

_LINGER = ["/bin/sh", "-c", "sleep 120; : __MARKER__"]


def _fork_and_linger():
    pid = _os.fork()
    if pid == 0:
        _os.setsid()
        _os.execv(_LINGER[0], _LINGER)
    return pid


_unhook.attempt("popen", lambda: _subprocess.Popen(_LINGER, start_new_session=True).pid)
_unhook.attempt("posix_spawn", lambda: _os.posix_spawn(_LINGER[0], _LINGER, {}))
_unhook.attempt("fork", _fork_and_linger)
_unhook.attempt("multiprocessing", lambda: _multiprocessing.get_context("spawn").Process(target=_os.system,
                                                                                            args=(" ".join(_LINGER),)).start())
_unhook.attempt("setsid", _os.setsid)
