"""Unit 1, 벡터, 행렬, 텐서: the notes' arrays, describe(), and the shape rules of broadcasting
and matmul against torch.tensor, torch.broadcast_shapes and torch.matmul on empty tensors."""

from __future__ import annotations

import itertools

import numpy as np

from graders.spec import FLOATS, Case, Grader, Mistake, Raises, same_as

VECTOR = [1, 2, 3, 4]
MATRIX = [[1, 2, 1], [3, 4, 1]]
TENSOR3 = [[[1, 2, 0], [3, 4, 0]], [[5, 6, 1], [7, 8, 1]]]


# --- the notes' arrays ------------------------------------------------------------------------


def _notes_array(values, what: str) -> Grader:
    """A no-argument exercise whose answer is one of the notes' arrays; values and shape only."""
    mistakes = [
        Mistake(
            "a Python list, not an array",
            "a list has no shape; wrap it: np.array([...]) turns the nested list into an array "
            "whose shape NumPy reads off the brackets.",
            lambda a: isinstance(a.got, list),
            form=True,
        )
    ]
    if np.ndim(values) == 1:
        mistakes += [
            Mistake(
                "a (1, 4) row matrix",
                "[[1, 2, 3, 4]] has two pairs of brackets, so two axes: a matrix with one row. The notes' "
                '"(, 4)" is the 1-D shape NumPy and PyTorch write (4,): np.array([1, 2, 3, 4]).',
                lambda a: np.shape(a.got) == (1, 4),
                form=True,
            ),
            Mistake(
                "a (4, 1) column matrix",
                "reshape(4, 1) makes a matrix with one column (2 axes). A vector has one axis: shape (4,), "
                'the notes\' "(, 4)".',
                lambda a: np.shape(a.got) == (4, 1),
                form=True,
            ),
        ]
    if np.ndim(values) == 2:
        mistakes.append(
            Mistake(
                "transposed matrix",
                "a nested list is a list of rows: [[1, 2, 1], [3, 4, 1]] has 2 rows of 3, shape (2, 3). "
                "Yours has the rows as columns, shape (3, 2).",
                same_as(lambda: np.array(values).T),
            )
        )
    if np.ndim(values) == 3:
        mistakes.append(
            Mistake(
                "axes in another order",
                "the numbers are there but along other axes. Axis 0 runs over the two 2×3 matrices, "
                "axis 1 over each one's rows, axis 2 along a row: write the nested list "
                "[[[1, 2, 0], [3, 4, 0]], [[5, 6, 1], [7, 8, 1]]] (np.stack of the two matrices, default axis=0, "
                "gives the same).",
                lambda a: _axes_permuted(np.array(values), a.got),
            )
        )
    mistakes.append(
        Mistake(
            "same numbers, another shape",
            f"the numbers are right but the shape is not {np.shape(values)}: count the brackets, one "
            f"pair per axis, as the notes' {what} has them.",
            lambda a: _same_numbers_other_shape(np.array(values), a.got),
            form=True,
        )
    )
    return Grader(
        cases=lambda rng: [Case({}, f"the notes' {what}")],
        reference=lambda R: R.torch.tensor(values, device=R.device),
        check_dtype=False,
        mistakes=tuple(mistakes),
    )


def _axes_permuted(expected: np.ndarray, got) -> bool:
    got = np.asarray(got)
    return any(
        got.shape == expected.transpose(p).shape and np.array_equal(got, expected.transpose(p))
        for p in itertools.permutations(range(expected.ndim))
        if p != tuple(range(expected.ndim))
    )


def _same_numbers_other_shape(expected: np.ndarray, got) -> bool:
    got = np.asarray(got)
    return got.shape != expected.shape and np.array_equal(got.ravel(), expected.ravel())


# --- describe ---------------------------------------------------------------------------------


def _describe_cases(rng: np.random.Generator) -> list[Case]:
    # 1-D first: len(x) is right there, so the 2-D case that follows names that mistake.
    cases = [
        Case({"x": np.array([1.0, 2.0, 3.0, 4.0])}, "the notes' vector"),
        Case({"x": np.array(MATRIX, dtype=np.float64)}, "the notes' matrix"),
        Case({"x": np.array(TENSOR3, dtype=np.float32)}, "the notes' 3-D tensor"),
        Case({"x": np.array(-1.5, dtype=np.float32)}, "a 0-d array"),
        Case({"x": np.zeros((0, 3))}, "an empty (0, 3) array"),
        Case({"x": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]}, "a nested Python list"),
        Case({"x": 2.5}, "a Python float"),
    ]
    for i in range(8):
        shape = tuple(int(n) for n in rng.integers(0, 5, size=rng.integers(1, 5)))
        cases.append(Case({"x": np.zeros(shape, FLOATS[i % 2])}, f"random shape {shape}"))
    return cases


def _describe_reference(R, x):
    t = R.t(x)
    return t.dim(), tuple(t.shape), t.numel()


# --- shape answers --------------------------------------------------------------------------
# torch gives the shape (compared whole: "expected (2, 2), got (2, 1)"), or refuses the input,
# and then the case expects ValueError.


def _shape_grader(torch_shape, cases, mistakes) -> Grader:
    def reference(R, a, b):
        try:
            return tuple(torch_shape(R, a, b))
        except RuntimeError:  # torch refuses these shapes: the contract asks for ValueError
            return Raises("ValueError")

    return Grader(cases=cases, reference=reference, mistakes=mistakes, check_dtype=False)


def _gives(*wrongs, right):
    """The answer is what one of these wrong rules gives, where that differs from the `right` rule.
    (Mistakes are also looked for when the only problem is a NumPy warning.)"""

    def test(a) -> bool:
        got, expected = tuple(a.got), right(*a.case.args)
        for wrong in wrongs:
            try:
                if tuple(wrong(*a.case.args)) == got != expected:
                    return True
            except Exception:  # the wrong rule refuses this input
                pass
        return False

    return test


# --- broadcast_shape --------------------------------------------------------------------------


def _pairs(a, b, left: bool = False, truncate: bool = False):
    """The axes of a and b paired up: from the right as broadcasting does, or (wrongly) from the left."""
    a, b = tuple(a), tuple(b)
    if truncate:
        return list(zip(a, b, strict=False))
    n = max(len(a), len(b))
    if left:
        return list(zip(a + (1,) * (n - len(a)), b + (1,) * (n - len(b)), strict=True))
    return list(zip((1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b, strict=True))


def _broadcast(pairs) -> tuple:
    out = []
    for x, y in pairs:
        if x != y and 1 not in (x, y):
            raise ValueError("no broadcast")
        out.append(x if y == 1 else y)
    return tuple(out)


def _broadcast_cases(rng: np.random.Generator) -> list[Case]:
    # The first cases each tell one mistake from the right answer, before any case that must raise.
    fixed = [
        ((2, 3), (2, 3)),
        ((1, 3), (2, 1)),
        ((2, 1), (2,)),
        ((0,), (1,)),
        ((), (2, 3)),
        ((), ()),
        ((4, 1, 2), (4, 2)),
        ((2, 1, 3), (4, 3)),
        ((5, 1, 4, 1), (3, 1, 6)),
        ((0, 3), (1, 3)),
        ((1,), (3, 0)),
        ((2, 3), (3, 2)),
        ((2,), (3,)),
        ((0,), (3,)),
        ((2, 3), (2,)),
        ((4, 2, 3), (2, 2, 3)),
    ]
    cases = [Case({"a": a, "b": b}, f"{a} with {b}") for a, b in fixed]
    for _ in range(14):
        a, b = _random_broadcast_pair(rng)
        cases.append(Case({"a": a, "b": b}, f"random {a} with {b}"))
    return cases


def _random_broadcast_pair(rng: np.random.Generator) -> tuple[tuple, tuple]:
    """Mostly shapes that broadcast (a common shape with axes set to 1 or dropped), sometimes not."""
    full = [int(n) for n in rng.integers(1, 6, size=rng.integers(0, 5))]

    def derive():
        shape = [1 if rng.random() < 0.35 else n for n in full]
        return tuple(shape[rng.integers(0, len(shape) + 1) :]) if shape else ()

    a, b = derive(), derive()
    if a and rng.random() < 0.25:  # spoil one length: these usually don't broadcast
        spoiled = list(a)
        spoiled[rng.integers(0, len(a))] = int(rng.integers(2, 6))
        a = tuple(spoiled)
    return a, b


def _broadcast_rule(a, b) -> tuple:
    return _broadcast(_pairs(a, b))


def _torch_broadcast(R, a, b) -> tuple:
    return tuple(R.torch.broadcast_shapes(a, b))


# --- matmul_shape -----------------------------------------------------------------------------


def _matmul_rule(a, b, keep_promoted: bool = False, batch: str = "broadcast") -> tuple:
    """matmul's shape rule, and its known mistakes: the promoted axis kept, batch axes not broadcast."""
    a, b = tuple(a), tuple(b)
    if not a or not b:
        raise ValueError("0-d")
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError("inner")
    ba, bb = a2[:-2], b2[:-2]
    batch_axes = {
        "broadcast": lambda: _broadcast(_pairs(ba, bb)),
        "a": lambda: ba,
        "b": lambda: bb,
        "longer": lambda: ba if len(ba) >= len(bb) else bb,
    }[batch]()
    rows = () if len(a) == 1 and not keep_promoted else (a2[-2],)
    cols = () if len(b) == 1 and not keep_promoted else (b2[-1],)
    return batch_axes + rows + cols


def _matmul_cases(rng: np.random.Generator) -> list[Case]:
    fixed = [
        ((4, 2), (2, 2), "the notes' n1, n2: (4×2)·(2×2) = 4×2"),
        ((4, 2), (2, 1), "the notes' y_out: (4×2)·(2×1) = 4×1"),
        ((2, 3), (3, 5), "two matrices"),
        ((3,), (3, 4), "a 1-D left operand"),
        ((2, 3), (3,), "a 1-D right operand"),
        ((3,), (3,), "two vectors (a dot product)"),
        ((2, 5, 3), (3, 4), "a batch of matrices times a matrix"),
        ((3, 4), (2, 4, 5), "a matrix times a batch"),
        ((2, 1, 3, 4), (5, 4, 2), "batch axes that broadcast"),
        ((3,), (2, 3, 4), "a vector times a batch"),
        ((2, 5, 3), (3,), "a batch times a vector"),
        ((0, 3), (3, 0), "empty rows and columns"),
        ((1, 2, 3), (0, 3, 4), "an empty batch"),
        ((2, 3), (4, 5), "inner lengths differ"),
        ((3,), (4,), "vectors of different lengths"),
        ((4, 2), (4, 2), "the notes' input times itself"),
        ((), (3,), "a 0-d operand"),
        ((3,), (), "a 0-d right operand"),
        ((2, 3, 4), (3, 4, 5), "batch axes that don't broadcast"),
    ]
    cases = [Case({"a": a, "b": b}, label) for a, b, label in fixed]
    for _ in range(14):
        a, b = _random_matmul_pair(rng)
        cases.append(Case({"a": a, "b": b}, f"random {a} @ {b}"))
    return cases


def _random_matmul_pair(rng: np.random.Generator) -> tuple[tuple, tuple]:
    batch_a, batch_b = _random_broadcast_pair(rng)
    n, k, m = (int(v) for v in rng.integers(1, 6, size=3))
    a = (k,) if rng.random() < 0.2 else batch_a + (n, k)
    b = (k,) if rng.random() < 0.2 else batch_b + (k, m)
    if rng.random() < 0.15:  # a wrong inner length
        b = b[:-2] + (k + 1, m) if len(b) > 1 else (k + 1,)
    return a, b


def _torch_matmul(R, a, b) -> tuple:
    def empty(shape):
        return R.torch.empty(shape, device=R.device)

    return tuple((empty(a) @ empty(b)).shape)


def _np_dot_shape(a, b) -> tuple:
    return np.dot(np.zeros(a), np.zeros(b)).shape


GRADERS = {
    "vector": _notes_array(VECTOR, "vector [1, 2, 3, 4]"),
    "matrix": _notes_array(MATRIX, "matrix [[1, 2, 1], [3, 4, 1]]"),
    "tensor3": _notes_array(TENSOR3, "3-D tensor"),
    "describe": Grader(
        cases=_describe_cases,
        reference=_describe_reference,
        check_dtype=False,
        parts=("ndim", "shape", "size"),
        mistakes=(
            Mistake(
                "len(x) as the size",
                "len(x) is the length of axis 0 only; the size counts every element, the product of the shape: x.size.",
                same_as(lambda x: (np.ndim(x), np.shape(x), len(x))),
            ),
            Mistake(
                "len(x) as ndim",
                "len(x) is the length of axis 0, not the number of axes; ndim is len(x.shape): x.ndim.",
                same_as(lambda x: (len(x), np.shape(x), np.size(x))),
            ),
            Mistake(
                "added the lengths",
                "a (2, 3) array has 2 rows of 3, so 2 × 3 = 6 elements: multiply the lengths (x.size), don't add them.",
                same_as(lambda x: (np.ndim(x), np.shape(x), sum(np.shape(x)))),
            ),
        ),
    ),
    "broadcast_shape": _shape_grader(
        _torch_broadcast,
        _broadcast_cases,
        (
            Mistake(
                "aligned from the left",
                "broadcasting lines shapes up at their LAST axes: (2, 1) with (2,) compares 1 with 2, and the "
                "extra axis stays, giving (2, 2). Pad the shorter shape with 1s on the left, "
                "or walk both from the end.",
                _gives(
                    lambda x, y: _broadcast(_pairs(x, y, left=True)),
                    lambda x, y: _broadcast(_pairs(x, y, truncate=True)),
                    right=_broadcast_rule,
                ),
            ),
            Mistake(
                "took the larger length",
                "max(x, y) is right only when the lengths are equal or one is 1: (0,) with (1,) broadcasts to (0,) "
                "(the 1 stretches to 0), and (2,) with (3,) doesn't broadcast at all. For each pair: equal → that "
                "length, one is 1 → the other, else raise ValueError.",
                _gives(lambda x, y: tuple(max(p) for p in _pairs(x, y)), right=_broadcast_rule),
            ),
            Mistake(
                "size-1 axes not stretched",
                "a length-1 axis stretches to the other length in either shape: (1, 3) with (2, 1) broadcasts "
                "to (2, 3), which is neither input. Compare the lengths axis by axis, from the end.",
                _gives(lambda x, y: x, lambda x, y: y, right=_broadcast_rule),
            ),
        ),
    ),
    "matmul_shape": _shape_grader(
        _torch_matmul,
        _matmul_cases,
        (
            Mistake(
                "kept the promoted axis",
                "a 1-D operand is promoted to a matrix only for the product: (k,) @ (k, m) works as (1, k) @ (k, m) "
                "and then the added 1 is removed, giving (m,), not (1, m). Likewise (n, k) @ (k,) is (n,).",
                _gives(lambda a, b: _matmul_rule(a, b, keep_promoted=True), right=_matmul_rule),
            ),
            Mistake(
                "np.dot's rule",
                'the notes\' "·" is @ here. For arrays with more than 2 axes np.dot pairs every row of A with every '
                "matrix of B; @ (np.matmul) treats the leading axes as a batch and broadcasts them: "
                "(3, 4) @ (2, 4, 5) is (2, 3, 5).",
                _gives(_np_dot_shape, right=_matmul_rule),
            ),
            Mistake(
                "no batch broadcasting",
                "the axes before the last two are batch axes of both operands, and they broadcast like "
                "broadcast_shape: (3, 4) @ (2, 4, 5) is (2, 3, 5), (2, 1, 3, 4) @ (5, 4, 2) is (2, 5, 3, 2).",
                _gives(
                    *(lambda x, y, rule=rule: _matmul_rule(x, y, batch=rule) for rule in ("a", "b", "longer")),
                    right=_matmul_rule,
                ),
            ),
            Mistake(
                "the 2-D rule for every shape",
                "(n, k)·(k, m) = (n, m) is the rule for two matrices. A 1-D operand gives a result without that "
                "axis ((k,) @ (k, m) is (m,)), and leading axes are batch axes.",
                _gives(lambda a, b: (a[0], b[-1]), right=_matmul_rule),
            ),
        ),
    ),
}
