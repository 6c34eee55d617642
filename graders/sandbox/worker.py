"""The untrusted side of the trust boundary: runs learner functions, sends back plain data.

Started once per grading run by graders.forkserver as `python -I -B graders/worker.py --server
FD`: a fork server, of which each submission gets a fork of its own, in a scratch folder, with
limits on memory and file size, which in turn forks children that run the exercises (a
fresh one after any exercise that leaves a mark). Before any learner code runs a child
installs an audit hook, which Python lets no one remove: imports other than
the standard library, NumPy and the submission's own modules are refused (torch: "use NumPy
here"), and so are reading files outside the submission, writing files, new processes,
signals, sockets and ctypes.
"""
from __future__ import annotations

import gc
import inspect
import io
import json
import operator
import os
import resource
import signal
import socket
import sys
import threading
import time
import traceback
import types
import warnings
from pathlib import Path

if "--numpy" in sys.argv:  # started with -S (no site: no .pth files to run): NumPy's folder is given
    import site

    site.setquit()  # exit() and quit(), which a learner may call
    sys.path.append(sys.argv[sys.argv.index("--numpy") + 1])

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import wire  # noqa: E402  (this folder, not the graders package: nothing else of it is loaded)

sys.path.pop(0)

REFUSED_IMPORTS = {
    "torch": "use NumPy here; PyTorch is the grader's reference",
    "graders": "the grader is not importable from an exercise",
    "solutions": "the solutions are not importable from an exercise",
}
ALLOWED_IMPORTS = (set(sys.stdlib_module_names) | {"numpy"}) - {"ctypes", "_ctypes"}
REFUSED_EVENTS = {
    "os.fork": "starting processes", "os.forkpty": "starting processes", "os.exec": "starting processes",
    "os.posix_spawn": "starting processes", "os.spawn": "starting processes", "os.system": "starting processes",
    "subprocess.Popen": "starting processes", "os.kill": "sending signals", "os.killpg": "sending signals",
    "signal.pthread_kill": "sending signals", "socket.connect": "the network", "socket.bind": "the network",
    "socket.sendto": "the network", "os.remove": "deleting files", "os.rmdir": "deleting files",
    "os.rename": "renaming files", "os.truncate": "changing files", "os.chmod": "changing files",
    "os.mkdir": "making folders", "os.symlink": "making links", "os.link": "making links",
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
LIBRARIES = [os.path.realpath(os.path.dirname(module.__file__)) for module in (np, os)]  # NumPy's, the stdlib's


def guard(submission: Path, own_modules):
    """The audit hook that refuses what an exercise has no business doing (made once, in the
    zygote; each child installs it with sys.addaudithook before any learner code runs)."""
    readable = [os.path.realpath(submission), *LIBRARIES]
    own_modules = set(own_modules)

    def refuse(what: str, detail: str = ""):
        raise PermissionError(f"{what} is not allowed in an exercise" + (f" ({detail})" if detail else ""))

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            top = args[0].partition(".")[0]
            if top in REFUSED_IMPORTS:
                raise ImportError(f"import {args[0]}: {REFUSED_IMPORTS[top]}")
            if top not in ALLOWED_IMPORTS and top not in own_modules and not top.startswith("_sysconfigdata"):
                raise ImportError(f"import {args[0]}: only the standard library and NumPy are available here")
        elif event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                return  # an already open descriptor
            path = os.path.realpath(os.fsdecode(path))
            if ("w" in str(mode or "") or "a" in str(mode or "") or "+" in str(mode or "")
                    or (isinstance(flags, int) and flags & WRITE_FLAGS)):
                if path != "/dev/null":
                    refuse("writing files", path)
            elif path != "/dev/null" and not any(path == root or path.startswith(root + os.sep) for root in readable):
                refuse("reading files outside your submission", path)
        elif event.startswith("ctypes."):
            refuse("ctypes")
        elif event in REFUSED_EVENTS:
            refuse(REFUSED_EVENTS[event])

    return hook


class _Capture(io.TextIOBase):
    """Keeps the first wire.OUTPUT_LIMIT characters printed during a call and drops the rest."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def writable(self):
        return True

    def write(self, s):
        if self.size < wire.OUTPUT_LIMIT:
            self.parts.append(s[: wire.OUTPUT_LIMIT - self.size])
        self.size += len(s)
        return len(s)

    def text(self) -> str:
        text = "".join(self.parts)
        return text + (f"\n... ({self.size - wire.OUTPUT_LIMIT} more characters)" if self.size > wire.OUTPUT_LIMIT else "")


def compile_modules(submission: Path) -> dict:
    """Each module of the submission compiled (not run) once, in the zygote, for every child."""
    return {path.stem: _compile(path) for path in submission.glob("*.py")}


def _compile(path: Path):
    """The module's code, or its SyntaxError, to be raised when a child imports it."""
    try:
        return compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as err:
        return err


class Worker:
    def __init__(self, submission: Path, compiled: dict | None = None):
        self.submission = submission
        self.compiled = compiled or {}
        self.modules: dict[str, types.ModuleType | dict] = {}
        self.signatures: dict = {}  # per function: inspect.signature is slow, and a case calls it

    def load(self, name: str) -> dict:
        """Import the learner's module once; a failed import is remembered and told each call."""
        if name not in self.modules:
            self.modules[name] = self._import(name)
        loaded = self.modules[name]
        return loaded if isinstance(loaded, dict) else {"ok": True, "value": None}

    def _import(self, name: str):
        path = self.submission / f"{name}.py"
        if not path.is_file():
            return {"ok": False, "kind": "missing", "key": "missing.file", "fields": {"file": path.name}}
        module = types.ModuleType(name)
        module.__file__ = str(path)
        code = self.compiled[name] if name in self.compiled else _compile(path)
        sys.modules[name] = module  # `from activations import softmax` in losses.py gets this one
        outcome = self._guarded(lambda: _run_module(code, module))
        if not outcome["ok"]:
            del sys.modules[name]
            outcome["kind"] = "import-error"
            return outcome
        return module

    def call(self, name: str, function: str, args: list) -> dict:
        loaded = self.load(name)
        if not loaded["ok"]:
            return loaded
        fn = getattr(self.modules[name], function, None)
        if not callable(fn):
            return {"ok": False, "kind": "missing", "key": "missing.function",
                    "fields": {"file": f"{name}.py", "function": function}}
        return self.run(fn, function, args)

    def run(self, fn, function: str, args: list) -> dict:
        """Call a learner's function on these arguments: signature, output, warnings, mutation."""
        try:
            signature = self.signatures.get(fn) or self.signatures.setdefault(fn, inspect.signature(fn))
            signature.bind(*args)
        except TypeError:
            return {"ok": False, "kind": "signature", "message": f"{function}{inspect.signature(fn)}"}
        except ValueError:
            pass  # a builtin without a signature: let the call tell
        before = [_snapshot(a) for a in args]
        outcome = self._guarded(lambda: fn(*args))
        outcome["mutated"] = [i for i, a in enumerate(args) if _snapshot(a) != before[i]]
        return outcome

    def _guarded(self, thunk) -> dict:
        capture = _Capture()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        start = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                # NumPy's defaults: underflow to 0 is no mistake, overflow and 0/0 are
                with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
                    value = thunk()
            outcome = {"ok": True, "value": value}
        except NotImplementedError as err:
            outcome = {"ok": False, "kind": "not-implemented", "message": str(err)}
        except BaseException as err:  # the learner's SystemExit and KeyboardInterrupt too
            outcome = {"ok": False, "kind": "exception", "type": type(err).__name__,
                       "types": [cls.__name__ for cls in type(err).__mro__],
                       "message": _one_line(err), "where": self._where(err)}
            caught = []
        finally:
            sys.stdout, sys.stderr = saved
        outcome["seconds"] = time.perf_counter() - start
        outcome["output"] = capture.text()
        outcome["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        return outcome

    def _where(self, err: BaseException) -> str:
        """The learner's file and line the error came from (their frames only)."""
        if isinstance(err, SyntaxError) and err.filename:
            return f"{Path(err.filename).name} line {err.lineno}"
        frames = traceback.walk_tb(err.__traceback__)
        inside = [(f.f_code.co_filename, line) for f, line in frames
                  if Path(f.f_code.co_filename).parent == self.submission]
        return f"{Path(inside[-1][0]).name} line {inside[-1][1]}" if inside else ""


def _run_module(code, module: types.ModuleType) -> None:
    if isinstance(code, Exception):
        raise code
    exec(code, module.__dict__)


def _snapshot(value):
    """An argument's contents, to tell whether the call changed it in place. Arguments are what
    the wire decodes (arrays, lists, tuples, dicts, numbers, generators); anything else in
    them can only be the learner's doing, a change all the same."""
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, (list, tuple)):
        return type(value), [_snapshot(v) for v in value]
    if isinstance(value, dict):
        return dict, [(k, _snapshot(v)) for k, v in value.items()]
    if isinstance(value, np.random.Generator):
        return None  # drawing from a generator is what it is for
    if value is None or isinstance(value, (bool, int, float, str)):
        return type(value), repr(value)  # repr: nan equals itself
    return id(value)


def _one_line(err: BaseException) -> str:
    text = (err.msg if isinstance(err, SyntaxError) else str(err)).strip().splitlines()
    return text[0][:300] if text else ""


def _reply(reply: dict) -> bytes:
    try:
        return wire.encode(reply)
    except Exception as err:  # Unsupported, or e.g. MemoryError copying a huge answer
        reason = str(err) if isinstance(err, wire.Unsupported) else f"a value that could not be sent back ({type(err).__name__})"
        return wire.encode({"ok": False, "kind": "unsupported", "message": reason,
                            "seconds": reply.get("seconds", 0.0), "output": reply.get("output", ""),
                            "warnings": reply.get("warnings", []), "mutated": reply.get("mutated", [])})


def serve_forks(control: socket.socket) -> None:
    """The fork server: one interpreter with NumPy loaded for the whole grading run. For each
    submission the grader sends a socket (and where and how to work); a fork of this process,
    made ahead of need, becomes that submission's worker, so no submission pays for a fresh
    interpreter, nor waits for a fork."""
    # Learner code that writes to the real stdout or stderr must not reach anything.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    # Import what every child uses (numpy.random, the wire format) once, here; note NumPy's
    # namespaces as they are before any learner code; and freeze, so forks share these objects
    # instead of copying them.
    wire.decode(wire.encode((wire.Rng(0), np.zeros(1))))
    marks = _Marks()
    gc.freeze()
    # No PR_SET_PDEATHSIG here: it follows the thread that started the server, which may end
    # long before the grader does. The grader's end closes `control`, and that ends the loop.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    while True:
        spare = _spare_worker(control, marks)
        message, fds, _, _ = socket.recv_fds(control, 65536, 1)
        if not message:
            return
        socket.send_fds(spare, [message], fds)
        for fd in fds:
            os.close(fd)
        spare.close()


def _spare_worker(control: socket.socket, marks: "_Marks") -> socket.socket:
    """A fork that waits, its own process group and limits set, for a submission to work on:
    the socket returned takes the job and the submission's socket."""
    ours, theirs = socket.socketpair()
    if os.fork():
        theirs.close()
        return ours
    control.close()
    ours.close()
    os.setsid()  # its own process group: the grader kills it, and all its children, at once
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file writes, should the guard miss one
    _die_with_parent()
    try:
        message, fds, _, _ = socket.recv_fds(theirs, 65536, 1)
        if message:
            theirs.close()
            job = json.loads(message)
            limit = job["memory_mb"] * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            os.chdir(job["scratch"])
            serve(Path(job["submission"]), fds[0], marks)
    finally:
        os._exit(0)


def serve(submission: Path, fd: int, marks: "_Marks") -> None:
    """A submission's worker. Requests (an exercise's cases) come in frames on `fd`; each goes
    to a forked child, which answers on `fd` itself. A child takes request after request while
    its exercises leave no mark (see `_Marks`); after one that does, the next request gets a
    fresh child, forked ahead of need. So nothing one exercise's code does (monkeypatching,
    leftover state, a crash) reaches another's, and most exercises pay for no fork."""
    sys.path.insert(0, str(submission))  # the learner's modules may import one another
    compiled = compile_modules(submission)
    hook = guard(submission, compiled)
    marks.watch(compiled)  # before any learner code runs, for every child
    gc.freeze()
    wire.write_frame(fd, wire.encode({"ready": True, "pid": os.getpid()}))

    def exercise_child(requests: int, done: int) -> None:  # in a fresh fork
        sys.addaudithook(hook)
        worker = Worker(submission, compiled)
        while (frame := wire.read_frame(requests)) is not None:
            _serve_exercise(worker, wire.decode(frame), fd)
            if not marks.unchanged():
                os.write(done, b"e")
                return
            os.write(done, b"d")

    child, spare, ended = None, _Child(exercise_child), []
    while (frame := wire.read_frame(fd)) is not None:
        if child is None:
            child, spare = spare, None
        child.send(frame)
        spare = spare or _Child(exercise_child)  # forked while the child works
        said = child.wait()
        if said == b"d":
            continue
        child.close()
        if said == b"e":  # it answered, but left a mark, and left: it is reaped later
            ended.append(child.pid)
        else:  # it died in the middle of a request: say how, in its reply's place
            _, status = os.waitpid(child.pid, 0)
            wire.write_frame(fd, wire.encode({"ok": False, "kind": "crashed", **_death(status)}))
        child = None
        ended = [pid for pid in ended if os.waitpid(pid, os.WNOHANG) == (0, 0)]


class _Child:
    """A fork of the worker made ahead of need. `run(requests, done)` is its life: it reads
    requests from one pipe and says on another, after each, whether it will take more (b"d")
    or is leaving (b"e"); the pipe's end with neither means it died."""

    def __init__(self, run):
        requests, self.requests = os.pipe()
        self.done, done = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.requests)
            os.close(self.done)
            _die_with_parent()
            run(requests, done)
            os._exit(0)
        os.close(requests)
        os.close(done)

    def send(self, frame: bytes) -> None:
        try:
            wire.write_frame(self.requests, frame)
        except BrokenPipeError:
            pass  # it died while waiting (killed from outside): wait() tells how

    def wait(self) -> bytes:
        """Wait for the child to answer its request: b"d", b"e", or b"" if it died."""
        return os.read(self.done, 1)

    def close(self) -> None:
        os.close(self.requests)
        os.close(self.done)


class _Marks:
    """What an exercise's code could leave behind for the next exercise run in the same child:
    a name rebound in a namespace a learner might patch (NumPy's, the builtins, math), the
    global random state, threads, timers and signal handlers, a trace function, NumPy's print
    settings (its error settings are restored after each call), the working folder and import
    path, and the globals of the learner's own modules (a function's mutable default, a
    module-level array or list; not what happens inside an object of the learner's own class)."""

    SHARED = ("builtins", "math", "numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.testing")
    SIGNALS = (signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGINT, signal.SIGTERM, signal.SIGUSR1,
               signal.SIGUSR2)

    def __init__(self):
        """In the fork server: the namespaces as they are before any learner code."""
        self.first_seen = {name: _bindings(module) for name in self.SHARED if (module := sys.modules.get(name))}
        self.own_modules: list[str] = []
        self.own: dict[str, list] = {}
        self.state: tuple = ()

    def watch(self, own_modules) -> None:
        """In a submission's worker, before any learner code: the rest of the process's state,
        and the names of the learner's modules, whose globals are watched once imported."""
        self.own_modules, self.state = list(own_modules), self._state()

    def unchanged(self) -> bool:
        """True if the exercise just run left everything as it was before any learner code ran,
        and the learner's modules as the last exercise left them (or as their import did: any
        fresh import would). Whatever goes wrong while looking counts as a mark."""
        try:
            own = self._own()
            if not all(map(self._intact, self.SHARED)) or self._state() != self.state \
                    or any(own.get(name) != state for name, state in self.own.items()):
                return False
        except BaseException:  # a learner's object in a global, say, that fails to be read
            return False
        self.own = own
        return True

    def _state(self) -> tuple:
        _, key, *position = np.random.get_state()  # the legacy global generator (np.random.rand...)
        return (key.tobytes(), position, threading.active_count(), os.getcwd(), tuple(sys.path),
                sys.getrecursionlimit(), sys.gettrace(), sys.getprofile(), repr(np.get_printoptions()),
                tuple(signal.getitimer(t) for t in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)),
                tuple(map(signal.getsignal, self.SIGNALS)))

    def _intact(self, name: str) -> bool:
        """Every name the module had when first seen still bound to the same object (new names
        are fine: NumPy adds some lazily). Compared with `is`, not id(): id() is an audited
        event, and the audit hook would run for each of NumPy's names."""
        if (module := sys.modules.get(name)) is None:
            return True
        keys, values = self.first_seen.setdefault(name, _bindings(module))  # imported later, lazily, in this child
        names = vars(module)
        return list(names)[: len(keys)] == keys and all(map(operator.is_, names.values(), values))

    def _own(self) -> dict:
        return {name: [(key, _global(value)) for key, value in vars(module).items() if key != "__builtins__"]
                for name in self.own_modules if (module := sys.modules.get(name)) is not None}


def _bindings(module) -> tuple[list, list]:
    """A module's names and the objects they are bound to (kept alive: no id is reused)."""
    return list(vars(module)), list(vars(module).values())


def _global(value):
    """A module global's state: a function's defaults and attributes, a generator's position,
    an argument's contents (see `_snapshot`)."""
    if isinstance(value, types.FunctionType):
        return value, _snapshot(value.__defaults__), _snapshot(value.__kwdefaults__), _snapshot(vars(value))
    if isinstance(value, np.random.Generator):
        return repr(value.bit_generator.state)
    return _snapshot(value)


def _die_with_parent() -> None:
    """Linux: when the grader is killed, its worker goes too, and with it a child stuck in an
    endless loop, rather than spinning on as an orphan."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the parent's kill of the process group still ends them


def _serve_exercise(worker: Worker, request: dict, fd: int) -> None:
    """One request: the module's import outcome, then (imported) an answer per case."""
    loaded = worker.load(request["module"])
    wire.write_frame(fd, _reply(loaded))
    if loaded["ok"]:
        for args in request["cases"]:
            wire.write_frame(fd, _reply(worker.call(request["module"], request["function"], args)))


def _death(status: int) -> dict:
    """How a child died, as a message key and its fields (the grader words it)."""
    if os.WIFSIGNALED(status):
        return {"key": "crashed.signal", "fields": {"signal": signal.Signals(os.WTERMSIG(status)).name}}
    return {"key": "crashed.exit", "fields": {"status": os.waitstatus_to_exitcode(status)}}


if __name__ == "__main__":  # worker.py --server FD [--for GRADER_PID] [--numpy DIR]
    serve_forks(socket.socket(fileno=int(sys.argv[2])))
