

# With the audit hook off, kill the grader (a signal, a pidfd, ptrace), and reach the network.
import ctypes as _ctypes
import os as _os
import signal as _signal
import socket as _socket

import unhook as _unhook

_GRADER = _unhook.grader_pid()
_unhook.attempt("connect", lambda: _socket.create_connection(("127.0.0.1", __PORT__), timeout=2).sendall(b"__MARKER__"))
_unhook.attempt("ptrace", lambda: _ctypes.CDLL(None).ptrace(16, _GRADER, 0, 0))  # PTRACE_ATTACH
_unhook.attempt("pidfd", lambda: _signal.pidfd_send_signal(_os.pidfd_open(_GRADER), _signal.SIGKILL))
_unhook.attempt("kill", lambda: _os.kill(_GRADER, _signal.SIGKILL))
_unhook.attempt("kill the worker", lambda: _os.kill(_os.getppid(), _signal.SIGKILL))
