"""The trust boundary: learner code runs in a worker process and only plain data comes back.

Every test here starts real workers (graders.sandbox.handle.Sandbox) against a throwaway
submission folder, so what is proved is the behaviour of the processes, not of mocks, and each
runs under both backends: fork (Linux's fast path) and spawn (everywhere else). The wire
format (graders.sandbox.wire.encode/decode) is tested directly at the end.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from graders.course import Limits
from graders.sandbox import backends, wire
from graders.sandbox.handle import Sandbox

LIMITS = Limits(call_seconds=2, memory_mb=2048)
QUICK = Limits(call_seconds=1, memory_mb=2048)  # for the tests that wait out a timeout

M = '''\
import ctypes
import os
import sys
import warnings

import numpy as np

CONSTANT = 3


def double(x):
    return np.asarray(x) * 2


def nested():
    return {"pair": (np.float32(1.5), [1, None, "s"]), "nan": float("nan")}


def spin():
    while True:
        pass


def exit3():
    os._exit(3)


def segfault():  # ctypes is refused, but other ways to crash the interpreter remain
    import faulthandler
    faulthandler._sigsegv()


def use_ctypes():
    return ctypes.string_at(0)


def todo():
    raise NotImplementedError("m.todo: write your answer here")


def bye():
    sys.exit()  # LINE:bye


def interrupt():
    raise KeyboardInterrupt  # LINE:interrupt


def builtin_exit():
    exit()  # LINE:builtin_exit


def uses_torch():
    import torch  # LINE:uses_torch
    return torch.zeros(1)


def uses_torch_nn():
    from torch import nn
    return nn


def uses_graders():
    import graders
    return graders.__file__


def uses_solutions():
    from solutions import activations
    return activations.sigmoid(0.0)


def generator():
    print("made a generator")
    return (i for i in range(3))


def object_array():
    return np.array([1, "a"], dtype=object)


class Thing:
    pass


def thing():
    return Thing()


def clobber(x, y):
    x[0] = 99.0
    return x + y


def leave(x, y):
    return x + y


def overflow():
    return np.exp(np.float64(1000.0))


def underflow():
    return np.exp(np.float64(-1000.0))


def user_warning():
    warnings.warn("careful")
    return 0


def chatty():
    print("hello from m")
    return 1


def flood():
    line = "x" * 1023
    for _ in range(10 * 1024):  # 10 MB
        print(line)
    return 7


def fd_writer():
    # looks like a frame header (length 0) on the parent's side, if fd 1 were the protocol
    os.write(1, bytes(8) + b"garbage")
    os.write(2, b"more garbage")
    return np.arange(3.0)


def huge():
    return np.ones(10**11)


def big_but_possible():
    return np.empty(2 * 10**8).size  # 1.6 GB of address space: fine without the limit


def forge(frame):
    """Every descriptor the process holds gets a frame of the learner's making (its bytes as a list)."""
    for fd in range(3, 256):
        try:
            os.write(fd, bytes(frame))
        except OSError:
            pass
    return 1
'''

# Each function leaves a mark that a later exercise, run in the same child, would trip on.
MARKS = """\
import builtins
import math
import os
import signal
import sys
import threading
import time

import numpy as np

SEEN = []
RNG = np.random.default_rng(0)


def pid():
    return os.getpid()


def rebind_numpy():
    np.exp = np.sqrt
    return 0


def rebind_builtins():
    builtins.abs = lambda x: 0
    return 0


def rebind_math():
    math.pi = 3.0
    return 0


def append_to_a_global():
    SEEN.append(1)
    return len(SEEN)


def append_to_a_default(seen=[]):
    seen.append(1)
    return len(seen)


def draw_from_the_global_generator():
    return float(np.random.rand())


def draw_from_a_module_generator():
    return float(RNG.random())


def start_a_thread():
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    return threading.active_count()


def set_a_handler():
    signal.signal(signal.SIGUSR1, lambda *args: None)
    return 0


def set_a_timer():
    signal.setitimer(signal.ITIMER_REAL, 60)
    return 0


def change_folder():
    os.chdir("/")
    return 0


def lower_the_recursion_limit():
    sys.setrecursionlimit(100)
    return 0


def set_print_options():
    np.set_printoptions(precision=1)
    return 0


def set_a_trace_function():
    sys.settrace(lambda *args: None)
    return 0


def extend_the_import_path():
    sys.path.append("/")
    return 0


def exp_and_abs(x):
    return abs(np.exp(x))
"""
MARKING = [name for name in re.findall(r"^def (\w+)", MARKS, re.M) if name not in ("pid", "exp_and_abs")]

# A global whose state cannot be read: the child cannot tell what it left, so it leaves.
UNREADABLE = """\
import os


class Unreadable(dict):
    def items(self):
        raise RuntimeError("not today")


TRAP = Unreadable()


def pid():
    return os.getpid()
"""

# Calls the audit hook lets through (it has no event for them, or does not refuse it), which the
# kernel layer refuses: each says what happened.
KERNEL = """\
import os
import resource
import signal
import socket
import sys
import threading
from multiprocessing.util import spawnv_passfds


def attempt(call):
    try:
        call()
    except OSError as err:
        return f"refused: {err.strerror}"
    return "allowed"


def start_a_process():
    return attempt(lambda: spawnv_passfds(os.fsencode(sys.executable), [sys.executable, "-c", "pass"], []))


def signal_the_grader():
    return attempt(lambda: signal.pidfd_send_signal(os.pidfd_open(os.getppid()), 0))


def new_session():  # (a spawned worker leads its session already: setsid is refused to it twice over)
    return attempt(os.setsid)


def open_a_socket():
    return attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())


def make_a_fifo():
    return attempt(lambda: os.mkfifo("fifo"))


def change_an_owner():
    return attempt(lambda: os.chown(".", os.getuid(), os.getgid()))


def raise_a_limit():  # set to what it is: only the kernel layer refuses that
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    except ValueError as err:  # how CPython words EPERM from setrlimit
        return "refused: Operation not permitted" if "not allowed" in str(err) else str(err)
    return "allowed"


def use_a_thread():
    out = []
    thread = threading.Thread(target=lambda: out.append(sum(range(10))))
    thread.start()
    thread.join()
    return attempt(lambda: None) if out == [45] else "no thread"


def signal_itself():
    signal.signal(signal.SIGUSR1, lambda *_: None)
    return attempt(lambda: signal.raise_signal(signal.SIGUSR1))


def list_the_graders_proc():  # where its command line and its memory are
    return attempt(lambda: os.listdir(f"/proc/{os.getppid()}"))


def list_the_root():
    return attempt(lambda: os.listdir("/"))


def list_its_own_folder_and_import_the_standard_library():
    import json  # noqa: F401  (read from the standard library's folder, lazily)

    return attempt(lambda: os.listdir(os.path.dirname(os.path.abspath(__file__))))
"""

TORCH_AT_TOP = "import numpy as np\nimport torch\n\n\ndef f():\n    return np.zeros(1)\n"
SYNTAX_ERROR = "import numpy as np\n\n\ndef f(:\n    return 1\n"  # line 4


def line_of(tag: str) -> int:
    return next(i for i, text in enumerate(M.splitlines(), 1) if text.endswith(f"# LINE:{tag}"))


@pytest.fixture(scope="module", autouse=True, params=backends.NAMES)
def backend(request):
    """Every test of this module, once per backend (COURSE_SANDBOX, as a user would force one)."""
    saved = os.environ.get("COURSE_SANDBOX")
    os.environ["COURSE_SANDBOX"] = request.param
    backends.current.cache_clear()
    assert backends.current().name == request.param
    yield request.param
    if saved is None:
        del os.environ["COURSE_SANDBOX"]
    else:
        os.environ["COURSE_SANDBOX"] = saved
    backends.current.cache_clear()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("submission")
    (path / "m.py").write_text(M, encoding="utf-8")
    (path / "kernel.py").write_text(KERNEL, encoding="utf-8")
    (path / "linked.py").symlink_to(Path(__file__).resolve().parents[1] / "solutions" / "activations.py")
    (path / "marks.py").write_text(MARKS, encoding="utf-8")
    (path / "unreadable.py").write_text(UNREADABLE, encoding="utf-8")
    (path / "torch_at_top.py").write_text(TORCH_AT_TOP, encoding="utf-8")
    (path / "broken.py").write_text(SYNTAX_ERROR, encoding="utf-8")
    (path / "uses_m.py").write_text(
        "from m import double\n\ndef quadruple(x):\n    return double(double(x))\n", encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def sandbox(folder):
    """One worker shared by the tests whose calls don't kill it."""
    with Sandbox(folder, LIMITS) as box:
        yield box


def test_a_module_may_import_a_sibling_module_of_the_submission(sandbox):
    out = sandbox.call("uses_m", "quadruple", (np.arange(3.0),))
    assert out.kind == "ok", out
    np.testing.assert_array_equal(out.value, [0.0, 4.0, 8.0])


def test_exercises_that_leave_no_mark_share_a_child_process(folder):
    with Sandbox(folder, LIMITS) as box:
        pids = {box.call("marks", "pid", ()).value for _ in range(3)}
        assert box.call("m", "double", (1.0,)).kind == "ok"
        pids.add(box.call("marks", "pid", ()).value)
        assert len(pids) == 1


@pytest.mark.parametrize("function", MARKING)
def test_an_exercise_that_leaves_a_mark_is_the_last_its_child_runs(folder, function):
    with Sandbox(folder, LIMITS) as box:
        before = box.call("marks", "pid", ()).value
        first = box.call("marks", function, ())
        assert first.kind == "ok", first
        after = box.call("marks", "pid", ()).value
        assert after != before
        again = box.call("marks", function, ())  # in a fresh child: as the first call found things
        assert again.value == first.value


def test_a_global_that_cannot_be_read_counts_as_a_mark(folder):
    with Sandbox(folder, LIMITS) as box:
        first, second = (box.call("unreadable", "pid", ()) for _ in range(2))
        assert first.kind == second.kind == "ok"
        assert first.value != second.value
        assert box.call("m", "double", (2.0,)).value == 4.0  # the replies still line up


def test_a_new_child_starts_from_pristine_numpy_and_builtins(folder):
    with Sandbox(folder, LIMITS) as box:
        for function in ("rebind_numpy", "rebind_builtins"):
            assert box.call("marks", function, ()).kind == "ok"
        out = box.call("marks", "exp_and_abs", (-1.0,))
        assert out.value == math.exp(-1.0)


def test_a_call_returns_plain_data(sandbox):
    out = sandbox.call("m", "double", (np.arange(3.0),))
    assert out.kind == "ok", out
    assert isinstance(out.value, np.ndarray) and out.value.dtype == np.float64
    np.testing.assert_array_equal(out.value, [0.0, 2.0, 4.0])
    assert out.warnings == [] and out.mutated == [] and out.output == ""
    assert 0 <= out.seconds < LIMITS.call_seconds

    out = sandbox.call("m", "nested", ())
    assert out.kind == "ok", out
    assert set(out.value) == {"pair", "nan"} and math.isnan(out.value["nan"])
    scalar, rest = out.value["pair"]
    assert isinstance(scalar, np.ndarray) and scalar.shape == () and scalar.dtype == np.float32
    assert rest == [1, None, "s"]


def test_an_endless_loop_times_out_and_the_next_call_gets_a_fresh_worker(folder):
    with Sandbox(folder, QUICK) as box:
        assert box.call("m", "double", (1.0,)).kind == "ok"
        first = box.pid
        started = time.monotonic()
        out = box.call("m", "spin", ())
        took = time.monotonic() - started
        assert out.kind == "timeout", out
        assert "1 s" in out.message
        assert QUICK.call_seconds <= took < QUICK.call_seconds + 5
        after = box.call("m", "double", (2.0,))
        assert after.kind == "ok" and after.value == 4.0
        assert box.pid != first


def test_ctypes_is_refused_before_it_can_crash_anything(sandbox):
    out = sandbox.call("m", "use_ctypes", ())
    assert (out.kind, out.type, out.message) == ("exception", "PermissionError", "ctypes is not allowed in an exercise")


@pytest.mark.parametrize(("function", "says"), [("exit3", "exited with status 3"), ("segfault", "killed by SIGSEGV")])
def test_a_dying_worker_is_reported_and_replaced(folder, function, says):
    with Sandbox(folder, LIMITS) as box:
        out = box.call("m", function, ())
        assert out.kind == "crashed", out
        assert says in out.message
        after = box.call("m", "double", (3.0,))
        assert after.kind == "ok" and after.value == 6.0


def test_not_implemented(sandbox):
    out = sandbox.call("m", "todo", ())
    assert out.kind == "not-implemented"
    assert out.message == "m.todo: write your answer here"


@pytest.mark.parametrize(
    ("function", "error"), [("bye", "SystemExit"), ("interrupt", "KeyboardInterrupt"), ("builtin_exit", "SystemExit")]
)
def test_system_exit_and_keyboard_interrupt_are_ordinary_exceptions(sandbox, function, error):
    out = sandbox.call("m", function, ())
    assert out.kind == "exception", out
    assert out.type == error
    assert out.where == f"m.py line {line_of(function)}"
    assert sandbox.call("m", "double", (1.0,)).kind == "ok"  # the worker is still there


def test_torch_imported_inside_a_function_is_an_exception(sandbox):
    out = sandbox.call("m", "uses_torch", ())
    assert (out.kind, out.type) == ("exception", "ImportError")
    assert "use NumPy here" in out.message
    assert out.where == f"m.py line {line_of('uses_torch')}"
    out = sandbox.call("m", "uses_torch_nn", ())
    assert out.kind == "exception" and "use NumPy here" in out.message


def test_torch_imported_at_module_level_is_an_import_error(sandbox):
    out = sandbox.call("torch_at_top", "f", ())
    assert (out.kind, out.type) == ("import-error", "ImportError")
    assert "use NumPy here" in out.message
    assert out.where == "torch_at_top.py line 2"
    # a failed import is remembered and told again, not retried into a half-built module
    assert sandbox.call("torch_at_top", "f", ()).kind == "import-error"


@pytest.mark.parametrize(
    ("function", "says"),
    [("uses_graders", "the grader is not importable"), ("uses_solutions", "the solutions are not importable")],
)
def test_the_grader_and_the_solutions_are_out_of_reach(sandbox, function, says):
    out = sandbox.call("m", function, ())
    assert (out.kind, out.type) == ("exception", "ImportError"), out
    assert says in out.message


@pytest.mark.parametrize(
    ("function", "says"), [("generator", "a generator"), ("object_array", "dtype object"), ("thing", "a m.Thing")]
)
def test_values_that_are_not_plain_data_are_unsupported(sandbox, function, says):
    out = sandbox.call("m", function, ())
    assert out.kind == "unsupported", out
    assert says in out.message
    assert out.value is None
    if function == "generator":  # what was printed still comes back
        assert out.output == "made a generator\n"


def test_in_place_changes_to_an_input_are_reported(sandbox):
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out = sandbox.call("m", "clobber", (x, y))
    assert out.kind == "ok" and out.mutated == [0]
    np.testing.assert_array_equal(out.value, [102.0, 6.0])
    np.testing.assert_array_equal(x, [1.0, 2.0])  # the parent's copy is another process's memory
    assert sandbox.call("m", "leave", (x, y)).mutated == []


def test_numpy_warnings_come_back(sandbox):
    out = sandbox.call("m", "overflow", ())
    assert out.kind == "ok" and np.isinf(out.value)
    assert out.warnings == ["RuntimeWarning: overflow encountered in exp"]
    assert sandbox.call("m", "underflow", ()).warnings == []  # underflow to 0 is no mistake
    assert sandbox.call("m", "user_warning", ()).warnings == ["UserWarning: careful"]


def test_printed_output_comes_back_and_a_flood_is_cut(sandbox):
    out = sandbox.call("m", "chatty", ())
    assert (out.kind, out.value, out.output) == ("ok", 1, "hello from m\n")
    out = sandbox.call("m", "flood", ())
    assert (out.kind, out.value) == ("ok", 7)
    printed = ("x" * 1023 + "\n") * (10 * 1024)
    kept = printed[: wire.OUTPUT_LIMIT]
    assert out.output == f"{kept}\n... ({len(printed) - wire.OUTPUT_LIMIT} more characters)"
    assert len(out.output) < wire.OUTPUT_LIMIT + 100
    # the next call's output starts empty again
    assert sandbox.call("m", "chatty", ()).output == "hello from m\n"


def test_writing_to_the_real_stdout_does_not_corrupt_the_protocol(sandbox):
    out = sandbox.call("m", "fd_writer", ())
    assert out.kind == "ok", out
    np.testing.assert_array_equal(out.value, [0.0, 1.0, 2.0])
    assert out.output == ""
    after = sandbox.call("m", "double", (5.0,))
    assert after.kind == "ok" and after.value == 10.0


def test_missing_modules_and_functions(sandbox):
    out = sandbox.call("nowhere", "f", ())
    assert out.kind == "missing" and "nowhere.py is not in the submission" in out.message
    out = sandbox.call("m", "no_such_function", ())
    assert out.kind == "missing" and "defines no function no_such_function()" in out.message
    assert sandbox.call("m", "CONSTANT", ()).kind == "missing"  # not callable


def test_a_syntax_error_is_an_import_error_that_names_the_line(sandbox):
    out = sandbox.call("broken", "f", ())
    assert (out.kind, out.type) == ("import-error", "SyntaxError"), out
    assert out.where == "broken.py line 4"


def test_the_memory_limit_turns_a_memory_bomb_into_a_memory_error(folder):
    with Sandbox(folder, Limits(call_seconds=2, memory_mb=1024)) as box:
        for function in ("huge", "big_but_possible"):
            started = time.monotonic()
            out = box.call("m", function, ())
            assert (out.kind, out.type) == ("exception", "MemoryError"), (function, out)
            assert time.monotonic() - started < 2
        assert box.call("m", "double", (1.0,)).kind == "ok"


@pytest.mark.skipif(
    Path("/proc/sys/vm/overcommit_memory").exists()
    and Path("/proc/sys/vm/overcommit_memory").read_text(encoding="utf-8").strip() == "2",
    reason="strict overcommit: 1.6 GB of untouched memory may be refused without our limit",
)
def test_the_limit_is_what_stops_the_allocation(sandbox):
    # the control for the test above: with 2 GB of address space the same allocation works
    out = sandbox.call("m", "big_but_possible", ())
    assert (out.kind, out.value) == ("ok", 2 * 10**8), out


# --- the wire format -----------------------------------------------------------------------


def same(a, b) -> bool:
    """Equal, with the same types all the way down; arrays bit for bit, nan equal to nan."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


DTYPES = st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.bool_, np.complex128, np.uint8])
ARRAYS = DTYPES.flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | ARRAYS
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_encode_decode_round_trips_plain_data(value):
    assert same(wire.decode(wire.encode(value)), value)


def test_round_trip_of_the_awkward_cases():
    value = {
        "tuple": (1, (2.5, [3, (4,)]), {"$array": "a key that looks like a tag"}),
        "floats": [float("nan"), float("inf"), -float("inf"), -0.0],
        "0-d": np.array(2.5),
        "f32": np.array([[1.0, np.nan], [np.inf, -0.0]], dtype=np.float32),
        "scalars": (np.float32(1.5), np.int64(3), np.bool_(True)),
        "empty": (np.zeros((0, 3)), [], (), {}),
    }
    back = wire.decode(wire.encode(value))
    expected = dict(value, scalars=(np.array(1.5, dtype=np.float32), np.array(3), np.array(True)))
    assert same(back, expected)
    # the header is strict JSON: no NaN or Infinity tokens
    (size,) = struct.unpack(">I", wire.encode(value)[:4])
    json.loads(wire.encode(value)[4 : 4 + size], parse_constant=pytest.fail)


@pytest.mark.parametrize(
    "value",
    [
        np.array([1, "a"], dtype=object),
        [np.array([None], dtype=object)],
        (i for i in range(2)),
        {1: "int key"},
        {"set": {1, 2}},
        object(),
    ],
)
def test_what_is_not_plain_data_cannot_be_encoded(value):
    with pytest.raises(wire.Unsupported):
        wire.encode(value)


class _Evil:
    def __reduce__(self):
        return (Path.touch, (Path(_Evil.target),))


def test_decode_never_unpickles(tmp_path):
    """A forged reply that holds a pickled object array is refused, and nothing runs."""
    _Evil.target = str(tmp_path / "pwned")
    buf = io.BytesIO()
    np.save(buf, np.array([_Evil()], dtype=object), allow_pickle=True)
    blob = buf.getvalue()
    for dtype in ("|O", [["x", "|O"]], "V8"):  # object arrays, object fields, raw records: all refused
        header = json.dumps({"$array": [0, len(blob), dtype, [1]]}).encode()
        forged = struct.pack(">I", len(header)) + header + blob
        with pytest.raises((ValueError, TypeError)):
            wire.decode(forged)
    assert not (tmp_path / "pwned").exists()
    # and the same blob does run code when unpickled: the test would notice a regression
    np.load(io.BytesIO(blob), allow_pickle=True)
    assert (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "function",
    [
        "start_a_process",
        "signal_the_grader",
        "new_session",
        "open_a_socket",
        "make_a_fifo",
        "change_an_owner",
        "raise_a_limit",
    ],
)
def test_the_kernel_refuses_what_the_audit_hook_lets_through(folder, function):
    with Sandbox(folder, LIMITS) as box:  # a fresh worker each: a refused call may still leave a mark
        out = box.call("kernel", function, ())
    assert (out.kind, out.value) == ("ok", "refused: Operation not permitted"), out


@pytest.mark.parametrize("function", ["list_the_graders_proc", "list_the_root"])
def test_landlock_hides_everything_but_the_submission_and_the_libraries(folder, function):
    with Sandbox(folder, LIMITS) as box:
        out = box.call("kernel", function, ())
    assert (out.kind, out.value) == ("ok", "refused: Permission denied"), out


@pytest.mark.parametrize(
    "function", ["use_a_thread", "signal_itself", "list_its_own_folder_and_import_the_standard_library"]
)
def test_threads_and_signals_to_itself_stay_allowed(folder, function):
    with Sandbox(folder, LIMITS) as box:
        said = box.call("kernel", function, ()).value
        if function.startswith("list_its_own_folder") and box.level.endswith("own uid"):
            # a uid of its own may not read the grader's private copy: its modules were compiled before
            assert said == "refused: Permission denied"
        else:
            assert said == "allowed"


@pytest.mark.parametrize(
    "frame",
    [
        struct.pack(">Q", 2) + b"ab",  # too short for a header
        struct.pack(">Q", 12) + struct.pack(">I", 8) + b"[1, 2, 3",  # JSON cut short
        struct.pack(">Q", 9) + struct.pack(">I", 5) + b"[1,2]",  # a list, not a reply
        struct.pack(">Q", 2**20) + b"x" * 64,  # a length the rest never fills
        struct.pack(">Q", 2**40) + b"x" * 64,
    ],  # a length the parent would run out of memory on
    ids=["short", "truncated", "not-a-reply", "overlong", "oversized"],
)
def test_a_forged_reply_costs_only_that_exercise(folder, frame):
    with Sandbox(folder, QUICK) as box:
        out = box.call("m", "forge", (list(frame),))
        assert out.kind in ("crashed", "timeout"), out
        assert "Traceback" not in out.message
        assert box.call("m", "double", (2.0,)).value == 4.0  # a fresh worker takes the next call


def test_a_link_out_of_the_submission_leads_nowhere(folder):
    """A module that is a link to solutions/ is read by the worker before the learner's code runs,
    so the audit hook cannot see it: Landlock refuses the read."""
    with Sandbox(folder, LIMITS) as box:
        out = box.call("linked", "relu", (np.arange(-2.0, 3.0),))
    assert out.kind == "import-error" and "Permission denied" in out.message, out
