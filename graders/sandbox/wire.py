"""The one wire format of requests and replies between the grader and its worker: plain data only.

    payload = 4-byte big-endian JSON length, JSON header, then the raw array bytes it points to

(Each payload travels in a frame: frames.py.)

Arrays travel as their raw bytes with dtype and shape in the JSON (numbers and booleans only);
tuples, dicts, nan/inf and random generators are tagged in the JSON. Nothing is ever unpickled. Standard library and
NumPy only: the worker imports this file too.
"""

from __future__ import annotations

import json
import math
import struct
import types
from dataclasses import dataclass

import numpy as np

MAX_ARRAY_BYTES = 32 * 2**20  # an answer larger than this is refused, not copied (a reply frame holds 64 MB)
PLAIN_KINDS = "biufc"  # bool, integers, floats, complex: raw bytes, nothing to unpickle
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
            if arr.dtype.kind not in PLAIN_KINDS or arr.dtype.fields:
                raise Unsupported(f"an array of dtype {arr.dtype}")
            if arr.nbytes > MAX_ARRAY_BYTES:
                raise Unsupported(f"an array of {arr.nbytes / 2**30:.1f} GB, over the {MAX_ARRAY_BYTES >> 20} MB limit")
            blob = np.ascontiguousarray(arr).tobytes()
            blobs.append(blob)
            offset += len(blob)
            return {"$array": [offset - len(blob), len(blob), arr.dtype.str, list(arr.shape)]}
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
                start, length, dtype, shape = v["$array"]
                dtype = np.dtype(dtype)  # a type string such as "<f8": never an object, never unpickled
                if dtype.kind not in PLAIN_KINDS or dtype.fields:
                    raise ValueError(f"refused array dtype {dtype}")
                return np.frombuffer(blobs[start : start + length], dtype=dtype).reshape(shape).copy()
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
