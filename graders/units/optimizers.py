"""Unit 7, 옵티마이저와 드롭아웃: one momentum step and one Adam step against torch.optim.SGD and
torch.optim.Adam with their state set from the inputs; inverted dropout with the mask the
learner's rng draws, applied as F.dropout applies its own.
"""

from __future__ import annotations

import numpy as np

from graders.compare import tolerance
from graders.sandbox.wire import Rng
from graders.spec import (
    FLOATS,
    Case,
    Grader,
    Mistake,
    any_of,
    as_floats,
    behaves_as,
    in_place,
    raises_as,
    random_array,
    same_as,
    warned,
)


def _in_place(example: str) -> Mistake:
    return in_place(
        f"{example} writes into the caller's array, which the caller may still need. Build a new array "
        "instead (x = x * 2, not x *= 2)."
    )


# --- momentum ------------------------------------------------------------------------------------


def _momentum_reference(R, w, grad, velocity, lr, momentum=0.9):
    p = R.t(w).clone().requires_grad_()
    p.grad = R.t(grad).clone()
    opt = R.torch.optim.SGD([p], lr=lr, momentum=momentum)  # dampening 0, nesterov off
    if velocity is not None:
        opt.state[p]["momentum_buffer"] = R.t(velocity).clone()
    opt.step()
    # with momentum = 0 PyTorch neither reads nor updates a buffer; the contract's velocity is 0·v + grad
    return p.detach(), opt.state[p]["momentum_buffer"] if momentum else p.grad.clone()


def _momentum(w, grad, velocity, lr, momentum=0.9, *, form="torch", first="zeros", dampening=0.0, old=False):
    """The beginner's momentum step. form: "torch" (v = μv + g, w − lr·v), "sutskever"
    (v = μv − lr·g, w + v) or "lr inside" (v = μv + lr·g, w − v); first: the velocity before
    the first step, "zeros" (right, with dampening 0) or "grad" (grad counted twice);
    old: w moves with the velocity from before this step's update."""
    w, grad, velocity = as_floats(w, grad, velocity)
    before = ({"zeros": np.zeros_like(w), "grad": grad}[first]) if velocity is None else velocity
    new = momentum * before + {"torch": (1 - dampening) * grad, "sutskever": -lr * grad, "lr inside": lr * grad}[form]
    step = before if old else new
    if form == "sutskever":
        return w + step, new
    return w - (1.0 if form == "lr inside" else lr) * step, new


def _dampened(w, grad, velocity, lr, momentum=0.9):
    return _momentum(w, grad, velocity, lr, momentum, dampening=momentum)


def _momentum_cases(rng):
    cases = [
        Case(
            {"w": [1.0, -2.0, 0.5], "grad": [0.1, 0.2, -0.3], "velocity": None, "lr": 0.1},
            "first step (velocity None), Python lists",
        )
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name

        def arrays(shape, count, dtype=dtype):
            return [random_array(rng, dtype, shape, scale=1.0) for _ in range(count)]

        w, g = arrays((5,), 2)
        cases.append(Case({"w": w, "grad": g, "velocity": None, "lr": 0.1}, f"first step, {name}"))
        for shape, lr, momentum in (((3, 4), 0.05, None), ((), 0.1, 0.5), ((6,), 0.01, 0.99), ((4,), 0.1, 0.0)):
            w, g, v = arrays(shape, 3)
            inputs = {"w": w, "grad": g, "velocity": v, "lr": lr}
            if momentum is not None:
                inputs["momentum"] = momentum
            told = "the default momentum" if momentum is None else f"momentum {momentum}"
            cases.append(Case(inputs, f"a later step, shape {shape}, {told}, {name}"))
        w, g = arrays((2, 3), 2)
        cases.append(
            Case({"w": w, "grad": g, "velocity": None, "lr": 0.5, "momentum": 0.5}, f"first step, momentum 0.5, {name}")
        )
    cases.append(
        Case(
            {"w": [1.0, -2.0, 0.5], "grad": [0.1, 0.2, -0.3], "velocity": [0.5, -0.25, 0.0], "lr": 0.1},
            "a later step, Python lists",
        )
    )
    return cases


MOMENTUM_MISTAKES = (
    _in_place("velocity *= momentum (or w -= ...)"),
    Mistake(
        "the other velocity convention",
        "v = momentum·v − lr·grad with w + v is a textbook form, but PyTorch's buffer leaves lr out: "
        "v = momentum·v + grad, then w − lr·v. Return PyTorch's v, the one the next step is given.",
        any_of(
            same_as(lambda *args: _momentum(*args, form="sutskever")),
            same_as(lambda *args: _momentum(*args, form="lr inside")),
        ),
    ),
    Mistake(
        "first step counted grad twice",
        "on the first step the velocity is grad itself. You set v = grad and then also applied "
        "v = momentum·v + grad; do one or the other (starting from zeros and applying the formula is fine).",
        same_as(lambda *args: _momentum(*args, first="grad")),
    ),
    Mistake(
        "dampened the gradient",
        "v = momentum·v + (1 − momentum)·grad is an average (like Adam's m); PyTorch's SGD with dampening 0 "
        "adds the whole gradient: v = momentum·v + grad.",
        same_as(_dampened),
    ),
    Mistake(
        "stepped with the old velocity",
        "update the velocity first, then move w with the new one: v = momentum·v + grad; w = w − lr·v.",
        same_as(lambda *args: _momentum(*args, old=True)),
    ),
)


# --- Adam ----------------------------------------------------------------------------------------


def _adam_reference(R, w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    torch = R.torch
    p = R.t(w).clone().requires_grad_()
    p.grad = R.t(grad).clone()
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps)
    # the state after t − 1 steps; torch 2.x keeps the step count as a float32 CPU tensor
    opt.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": R.t(m).clone(), "exp_avg_sq": R.t(v).clone()}
    opt.step()
    state = opt.state[p]
    return p.detach(), state["exp_avg"], state["exp_avg_sq"]


def _adam(
    w,
    grad,
    m,
    v,
    t,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    *,
    correct=True,
    eps_inside=False,
    t_shift=0,
    return_hat=False,
    swap=False,
    square=True,
):
    """The beginner's Adam step; each knob is one mistake."""
    w, grad, m, v = as_floats(w, grad, m, v)
    b1, b2 = betas
    a1, a2 = (b1, b2) if not swap else (1 - b1, 1 - b2)
    m = a1 * m + (1 - a1) * grad
    v = a2 * v + (1 - a2) * (grad * grad if square else grad)
    step = t + t_shift
    m_hat, v_hat = (m / (1 - b1**step), v / (1 - b2**step)) if correct else (m, v)
    denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return w - lr * m_hat / denominator, *((m_hat, v_hat) if return_hat else (m, v))


def _adam_cases(rng):
    cases = [
        Case(
            {"w": [1.0, -0.5, 2.0], "grad": [0.3, -1.0, 0.0], "m": [0.0, 0.0, 0.0], "v": [0.0, 0.0, 0.0], "t": 1},
            "first step (t = 1), Python lists, a zero gradient",
        )
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name

        def state(shape, grad_scale=1.0, dtype=dtype):
            g = random_array(rng, dtype, shape, scale=grad_scale)
            m = random_array(rng, dtype, shape, scale=0.1 * grad_scale)
            v = (random_array(rng, dtype, shape, scale=grad_scale) ** 2).astype(dtype)
            return {"w": random_array(rng, dtype, shape, scale=1.0), "grad": g, "m": m, "v": v}

        first = state((4,))
        cases.append(Case({**first, "m": np.zeros(4, dtype), "v": np.zeros(4, dtype), "t": 1}, f"first step, {name}"))
        g0 = random_array(rng, dtype, (2, 3), scale=1.0)  # the state one real step leaves
        second = {**state((2, 3)), "m": (0.1 * g0).astype(dtype), "v": (0.001 * g0 * g0).astype(dtype)}
        cases.append(Case({**second, "t": 2}, f"second step, {name}"))
        cases.append(Case({**state((5,)), "t": 10}, f"t = 10, {name}"))
        cases.append(Case({**state((3,)), "t": 1000}, f"t = 1000, {name}"))
        cases.append(Case({**state((6,), grad_scale=1e-4), "t": 3}, f"tiny gradients (eps matters), t = 3, {name}"))
        cases.append(
            Case(
                {**state(()), "t": 5, "lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
                f"0-d, lr = 0.01, betas = (0.8, 0.99), eps = 1e-6, {name}",
            )
        )
        # √v̂ = |grad| = eps: the step is half what it would be without eps, so eps's sign and place show
        cases.append(
            Case(
                {
                    "w": np.array([0.0, 0.5, -0.5], dtype),
                    "grad": np.array([1e-8, -1e-8, 1e-8], dtype),
                    "m": np.zeros(3, dtype),
                    "v": np.zeros(3, dtype),
                    "t": 1,
                    "lr": 0.1,
                },
                f"first step, gradients as small as eps, {name}",
            )
        )
    return cases


ADAM_MISTAKES = (
    _in_place("m *= beta1 (or v += ..., w -= ...)"),
    Mistake(
        "no bias correction",
        "m and v start at zero, so for small t they are too small. Divide before the step: "
        "m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t), then w − lr·m̂ / (√v̂ + eps).",
        same_as(lambda *args: _adam(*args, correct=False)),
    ),
    Mistake(
        "eps inside the sqrt",
        "PyTorch adds eps after the root: √v̂ + eps, not √(v̂ + eps). The two differ when v̂ is tiny.",
        same_as(lambda *args: _adam(*args, eps_inside=True)),
    ),
    Mistake(
        "t counted from 0",
        "t is this step's number counting from 1 (the first step has t = 1), so the corrections are "
        "1 − β1^t and 1 − β2^t as given, not with t + 1 or t − 1.",
        any_of(same_as(lambda *args: _adam(*args, t_shift=1)), same_as(lambda *args: _adam(*args, t_shift=-1))),
    ),
    Mistake(
        "returned the bias-corrected moments",
        "return the raw moving averages m and v (PyTorch's exp_avg, exp_avg_sq): the next step continues "
        "from them. m̂ and v̂ are only used for this step's update.",
        same_as(lambda *args: _adam(*args, return_hat=True)),
    ),
    Mistake(
        "β and 1 − β swapped",
        "the old average keeps weight β: m = β1·m + (1 − β1)·grad (0.9 old, 0.1 new), and likewise for v.",
        same_as(lambda *args: _adam(*args, swap=True)),
    ),
    Mistake(
        "v averages grad, not grad²",
        "v is the moving average of the squared gradient: v = β2·v + (1 − β2)·grad².",
        same_as(lambda *args: _adam(*args, square=False)),
    ),
    Mistake(
        "forgot eps",
        "where v̂ is 0 (a zero gradient on the first step) m̂ / √v̂ is 0/0 = nan. Divide by √v̂ + eps.",
        behaves_as(
            lambda w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8: _adam(w, grad, m, v, t, lr, betas, 0.0),
            warned("invalid value encountered in divide"),
            warned("divide by zero encountered in divide"),
        ),
    ),
)


# --- dropout -------------------------------------------------------------------------------------


def _uniform(x, rng: Rng):
    """The numbers the learner's rng draws: default_rng(seed).random(x.shape)."""
    return np.random.default_rng(rng.seed).random(np.shape(x))


def _dropout_reference(R, x, p, rng, training=True):
    x = R.t(x)
    if not training or p == 0:
        return x  # F.dropout returns its input untouched
    if p == 1:
        return x * R.torch.zeros((), dtype=x.dtype, device=x.device)  # as F.dropout does
    keep = R.t(_uniform(x, rng) >= p)
    return x * keep.to(x.dtype).div_(1 - p)  # F.dropout's noise: the mask divided by 1 − p, times x


def _dropout(x, p, rng, training=True, *, keep=lambda u, p: u >= p, scale=lambda p: 1 / (1 - p), in_eval="x"):
    """The beginner's dropout. keep and scale: the mask and its factor; in_eval: what
    training=False returns, "x" (right), "scaled" (x / (1 − p)) or "dropped" (as in training)."""
    (x,) = as_floats(x)
    if not training and in_eval != "dropped":
        return x * scale(p) if in_eval == "scaled" else x
    return x * keep(_uniform(x, rng), p) * scale(p)


def _another_mask(a) -> bool:
    """Every element is 0 or x / (1 − p), as inverted dropout gives, but not with rng's mask."""
    x, p, _, training = (*a.case.args, True)[:4]
    if not training or not 0 < p < 1 or a.is_right(a.got):
        return False
    (x,) = as_floats(x)
    got = np.asarray(a.got, dtype=float)
    rtol, atol = tolerance(a.case.dtype)
    return got.shape == x.shape and bool(np.all((got == 0) | np.isclose(got, x / (1 - p), rtol, atol)))


def _dropout_cases(rng):
    # first a case big enough that a mask drawn elsewhere cannot pass for another mistake's (or the right) mask
    x = [float(k if k % 3 else -k) for k in range(1, 25)]
    cases = [Case({"x": x, "p": 0.25, "rng": Rng(0)}, "p = 0.25, a Python list of 24 numbers")]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        for shape, p in (((4, 5), 0.3), ((2, 3, 4), 0.2), ((20,), 0.9), ((), 0.6)):
            x = random_array(rng, dtype, shape)
            cases.append(Case({"x": x, "p": p, "rng": Rng(int(rng.integers(1000)))}, f"shape {shape}, p = {p}, {name}"))
        x = random_array(rng, dtype, (3, 4))
        seed = int(rng.integers(1000))
        cases += [
            Case({"x": x, "p": 0.0, "rng": Rng(seed)}, f"p = 0 keeps everything, {name}"),
            Case({"x": x, "p": 0.5, "rng": Rng(seed), "training": False}, f"training=False, {name}"),
            Case({"x": x, "p": 1.0, "rng": Rng(seed)}, f"p = 1 drops everything, {name}"),
            Case({"x": x, "p": 1.0, "rng": Rng(seed), "training": False}, f"training=False with p = 1, {name}"),
        ]
    # p equal to one element's draw u: u >= p keeps that element, u > p would drop it
    draw = float(np.random.default_rng(7).random((2, 3))[0, 2])
    cases.append(
        Case(
            {"x": np.arange(1.0, 7.0).reshape(2, 3), "p": draw, "rng": Rng(7)},
            f"p = {draw:.4f}, exactly the draw of element [0, 2]",
        )
    )
    return cases


DROPOUT_MISTAKES = (
    _in_place("x *= mask"),
    Mistake(
        "no 1/(1 − p) scaling",
        "inverted dropout scales the kept values by 1 / (1 − p) during training, so the expected output is x "
        "and nothing needs rescaling at test time.",
        same_as(lambda *args: _dropout(*args, scale=lambda p: 1.0)),
    ),
    Mistake(
        "kept where u < p",
        "u < p holds with probability p: that keeps a fraction p and drops 1 − p. Keep where u >= p.",
        same_as(lambda *args: _dropout(*args, keep=lambda u, p: u < p)),
    ),
    Mistake(
        "p taken as the keep probability",
        "here p is the probability of dropping, as in F.dropout(x, p): keep where u >= p and scale by 1 / (1 − p).",
        same_as(lambda *args: _dropout(*args, keep=lambda u, p: u < p, scale=lambda p: 1 / p)),
    ),
    Mistake(
        "kept where u < 1 − p",
        "that mask (rng.binomial(1, 1 − p) draws it too, for p < 0.5) has the right keep rate but not the "
        "contract's elements: keep where u >= p with u = rng.random(x.shape), so anyone replaying your rng "
        "gets the same mask.",
        same_as(lambda *args: _dropout(*args, keep=lambda u, p: u < 1 - p)),
    ),
    Mistake(
        "mask not drawn from rng",
        "your mask has the right form but other elements: draw it once from the generator you are given, "
        "u = rng.random(x.shape). np.random.rand and np.random.binomial use NumPy's global generator, "
        "np.random.default_rng() a fresh unseeded one, and a second draw from rng other numbers.",
        _another_mask,
    ),
    Mistake(
        "scaled in eval mode",
        "with training=False dropout does nothing: return x's values as they are. The 1 / (1 − p) scaling "
        "happens only while training.",
        same_as(lambda *args: _dropout(*args, in_eval="scaled")),
    ),
    Mistake(
        "dropped in eval mode",
        "with training=False no unit is dropped: return x's values as they are, and draw nothing.",
        same_as(lambda *args: _dropout(*args, in_eval="dropped")),
    ),
    Mistake(
        "divided by zero at p = 1",
        "with p = 1 the factor 1 / (1 − p) is a division by zero (and 0 · inf is nan). Every element is dropped: "
        "return zeros of x's shape and dtype when p == 1.",
        any_of(
            behaves_as(
                lambda x, p, rng, training=True: as_floats(x)[0] * (_uniform(x, rng) >= p) / (1 - p),
                warned("divide by zero encountered"),
                warned("invalid value encountered"),
            ),
            raises_as(lambda x, p, *rest: 1 / (1 - p)),
        ),
    ),
)

GRADERS = {
    "momentum_step": Grader(
        cases=_momentum_cases,
        reference=_momentum_reference,
        parts=("w", "velocity"),
        mistakes=MOMENTUM_MISTAKES,
    ),
    "adam_step": Grader(
        cases=_adam_cases,
        reference=_adam_reference,
        parts=("w", "m", "v"),
        mistakes=ADAM_MISTAKES,
    ),
    "dropout": Grader(
        cases=_dropout_cases,
        reference=_dropout_reference,
        mistakes=DROPOUT_MISTAKES,
    ),
}
