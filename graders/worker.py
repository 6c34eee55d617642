"""The untrusted side of the trust boundary: runs learner functions, sends back plain data.

Started by graders.sandbox as `python -I graders/worker.py SUBMISSION_DIR`, so nothing of the
grader's state is in reach. It imports only the standard library and NumPy. The parent
imports this file too, for `encode`/`decode`, so both sides speak one wire format:

    frame   = 8-byte big-endian length, then payload
    payload = 4-byte big-endian JSON length, JSON header, then the raw .npy blobs it points to

Arrays travel as .npy bytes read back with `allow_pickle=False`; tuples and dicts are tagged
in the JSON. Nothing is ever unpickled.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import io
import json
import math
import os
import struct
import sys
import time
import traceback
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

OUTPUT_LIMIT = 2000  # characters of a call's printed output kept for the learner


class Unsupported(Exception):
    """A value that is not plain data (a generator, an object array, a custom class...)."""


@dataclass(frozen=True)
class Rng:
    """A random generator as plain data: the worker passes np.random.default_rng(seed)."""

    seed: int


def encode(value) -> bytes:
    blobs: list[bytes] = []
    offset = 0

    def walk(v):
        nonlocal offset
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (np.ndarray, np.generic)):  # before int/float: np.float64 is a float
            arr = np.asarray(v)
            if arr.dtype.hasobject:
                raise Unsupported(f"an array of dtype {arr.dtype}")
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=False)
            blob = buf.getvalue()
            blobs.append(blob)
            offset += len(blob)
            return {"$array": [offset - len(blob), len(blob)]}
        if isinstance(v, int):
            return v if type(v) is int else int(v)
        if isinstance(v, float):
            return _float(float(v))
        if isinstance(v, tuple):
            return {"$tuple": [walk(x) for x in v]}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, Rng):
            return {"$rng": v.seed}
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise Unsupported("a dict whose keys are not all strings")
            return {"$dict": {k: walk(x) for k, x in v.items()}}
        raise Unsupported(_type_name(v))

    header = json.dumps(walk(value), allow_nan=False).encode()
    return struct.pack(">I", len(header)) + header + b"".join(blobs)


def decode(payload: bytes):
    (size,) = struct.unpack(">I", payload[:4])
    header = json.loads(payload[4 : 4 + size])
    blobs = memoryview(payload)[4 + size :]

    def walk(v):
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            if "$array" in v:
                start, length = v["$array"]
                return np.load(io.BytesIO(blobs[start : start + length]), allow_pickle=False)
            if "$tuple" in v:
                return tuple(walk(x) for x in v["$tuple"])
            if "$dict" in v:
                return {k: walk(x) for k, x in v["$dict"].items()}
            if "$float" in v:
                return float(v["$float"])
            if "$rng" in v:
                return np.random.default_rng(v["$rng"])
        return v

    return walk(header)


def _float(x: float):
    # JSON has no nan/inf; tag them so a learner's nan comes back as nan
    return x if math.isfinite(x) else {"$float": repr(x)}


def _type_name(v) -> str:
    if isinstance(v, types.GeneratorType):
        return "a generator"
    cls = type(v)
    return f"a {cls.__module__}.{cls.__qualname__}" if cls.__module__ != "builtins" else f"a {cls.__name__}"


def write_frame(stream, payload: bytes) -> None:
    stream.write(struct.pack(">Q", len(payload)) + payload)
    stream.flush()


def read_frame(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    return stream.read(size)


# --- the worker process --------------------------------------------------------------------

BLOCKED = {
    "torch": "use NumPy here; PyTorch is the grader's reference",
    "graders": "the grader is not importable from an exercise",
    "solutions": "the solutions are not importable from an exercise",
}


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        reason = BLOCKED.get(name.partition(".")[0])
        if reason:
            raise ImportError(f"import {name}: {reason}")
        return None


class _Capture(io.TextIOBase):
    """Keeps the first OUTPUT_LIMIT characters printed during a call and drops the rest."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def writable(self):
        return True

    def write(self, s):
        if self.size < OUTPUT_LIMIT:
            self.parts.append(s[: OUTPUT_LIMIT - self.size])
        self.size += len(s)
        return len(s)

    def text(self) -> str:
        text = "".join(self.parts)
        return text + (f"\n... ({self.size - OUTPUT_LIMIT} more characters)" if self.size > OUTPUT_LIMIT else "")


class Worker:
    def __init__(self, submission: Path):
        self.submission = submission
        self.modules: dict[str, types.ModuleType | dict] = {}

    def load(self, name: str) -> dict:
        """Import the learner's module once; a failed import is remembered and told each call."""
        if name not in self.modules:
            self.modules[name] = self._import(name)
        loaded = self.modules[name]
        return loaded if isinstance(loaded, dict) else {"ok": True}

    def _import(self, name: str):
        path = self.submission / f"{name}.py"
        if not path.is_file():
            return {"ok": False, "kind": "missing", "message": f"{path.name} is not in the submission"}
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # `from activations import softmax` in losses.py gets this one
        outcome = self._guarded(lambda: spec.loader.exec_module(module))
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
            return {"ok": False, "kind": "missing", "message": f"{name}.py defines no function {function}()"}
        before = [_snapshot(a) for a in args]
        outcome = self._guarded(lambda: fn(*args))
        outcome["mutated"] = [i for i, a in enumerate(args) if _snapshot(a) != before[i]]
        return outcome

    def _guarded(self, thunk) -> dict:
        capture = _Capture()
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
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        outcome["seconds"] = time.perf_counter() - start
        outcome["output"] = capture.text()
        outcome["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        return outcome

    def _where(self, err: BaseException) -> str:
        if isinstance(err, SyntaxError) and err.filename:
            return f"{Path(err.filename).name} line {err.lineno}"
        inside = [f for f in traceback.extract_tb(err.__traceback__)
                  if Path(f.filename).parent == self.submission]
        return f"{Path(inside[-1].filename).name} line {inside[-1].lineno}" if inside else ""


def _snapshot(value) -> bytes | None:
    """An argument's bytes, to tell whether the call changed it in place."""
    if isinstance(value, np.random.Generator):
        return None  # drawing from a generator is what it is for
    try:
        return encode(value)
    except Exception:  # something the learner made unsendable was changed all the same
        return b"unsendable"


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else ""


def serve(submission: Path) -> None:
    sys.meta_path.insert(0, _Blocker())
    sys.path.insert(0, str(submission))  # the learner's modules may import one another
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(1), "wb")
    # Learner code that writes to the real stdout must not corrupt the protocol.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    worker = Worker(submission)
    write_frame(outbox, encode({"ready": True}))
    while (frame := read_frame(inbox)) is not None:
        request = decode(frame)
        reply = worker.call(request["module"], request["function"], request["args"])
        try:
            payload = encode(reply)
        except Exception as err:  # Unsupported, or e.g. MemoryError copying a huge answer
            reason = str(err) if isinstance(err, Unsupported) else f"a value that could not be sent back ({type(err).__name__})"
            payload = encode({"ok": False, "kind": "unsupported", "message": reason,
                              "seconds": reply.get("seconds", 0.0), "output": reply.get("output", ""),
                              "warnings": reply.get("warnings", []), "mutated": reply.get("mutated", [])})
        write_frame(outbox, payload)


if __name__ == "__main__":
    serve(Path(sys.argv[1]).resolve())
