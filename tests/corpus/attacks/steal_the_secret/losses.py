

# With the audit hook off, read the grader's command line, environment and memory (where the
# hidden seed may be), and carry what was read into the report through an import error.
import os as _os
import re as _re

import unhook as _unhook

_GRADER = _unhook.grader_pid()


def _read(path):
    with open(path, "rb") as source:
        return source.read(4000).decode("utf-8", "replace")


def _grader_memory():
    with open(f"/proc/{_GRADER}/maps", encoding="utf-8") as maps:
        start, end = (int(x, 16) for x in _re.split("[- ]", maps.readline())[:2])
    with open(f"/proc/{_GRADER}/mem", "rb") as memory:
        memory.seek(start)
        return memory.read(min(end - start, 4000)).decode("latin-1")


_said = [_unhook.attempt("hook off", lambda: _os.kill(_os.getpid(), 0))]  # the hook refuses it, the kernel does not
_said += [_unhook.attempt(what, lambda path=path: _read(path))
         for what, path in (("cmdline", f"/proc/{_GRADER}/cmdline"), ("environ", f"/proc/{_GRADER}/environ"),
                            ("instructor.toml", _os.path.join(_unhook.grader_root() or "/", "instructor.toml")))]
_said.append(_unhook.attempt("memory", _grader_memory))
_said.append(_unhook.attempt("own environment", lambda: sorted(_os.environ.items())))  # the worker's: no secret in it
_said.append(_unhook.attempt("every process", lambda: [_read(f"/proc/{pid}/environ") for pid in _os.listdir("/proc")
                                                        if pid.isdigit()]))
raise ImportError(" | ".join(_said))
