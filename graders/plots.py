"""`course plot UNIT`: a unit's functions as PNGs, the learner's drawn beside the PyTorch reference.

The trust boundary is grading's: the learner's functions run only in the sandbox and only plain
data comes back; the references are the graders' own torch references, never solutions/ (a
learner's copy has none). Every figure has one size, so every PNG is WIDTH x HEIGHT pixels.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from graders import engine
from graders.compare import compare, join
from graders.course import Course, Unit
from graders.devices import select_devices
from graders.errors import UserError
from graders.i18n import t
from graders.reference import Ref, to_numpy
from graders.sandbox.handle import Outcome, Sandbox
from graders.spec import Case, Raises
from graders.units import grader_for
from graders.units.gradient_descent import regression_problem
from graders.units.xor_mlp import NAMES, SEED, XOR_X, XOR_Y

# Files only: no display, no GUI toolkit. The Figure API below never imports pyplot, and this
# holds for anything that does later in the same process.
matplotlib.use("Agg")

WIDTH, HEIGHT, DPI = 1200, 800, 100
REFERENCE_STYLE = {"color": "#1f77b4", "linewidth": 4, "alpha": 0.4}
YOURS_STYLE = {"color": "#d62728", "linewidth": 1.6, "linestyle": "--"}
MAX_POINTS = 20_000  # of an answer drawn as a line: the graders' cases are far smaller
LEAKY_SLOPE = 0.1  # not the default 0.01, whose negative side would look flat at this scale
DIVERGING, OUTPUT_MAP = "coolwarm", "RdBu_r"


def plot_unit(course: Course, unit: str, folder: Path, out: Path, device: str = "cpu") -> list[Path]:
    """Grade `unit` in `folder`, then write its PNGs into `out`: the unit's own figure (where it
    has one) and `<exercise id>.expected-vs-got.png` for each exercise that fails on an array
    answer. Returns the paths written, in that order."""
    chosen = _unit(course, unit)
    unit, exercises = chosen.name, chosen.exercises
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise UserError(t("plot.not-a-folder", folder=folder))
    devices = select_devices(device)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(t("plot.out-is-a-file", out=out)) from None
    written = []
    with Sandbox(folder, course.limits) as sandbox:
        prepared = engine.prepare(exercises, devices)
        result = engine.grade(prepared, sandbox, folder.name)
        if draw := UNIT_PLOTS.get(unit):
            written.append(_save(draw(_Context(course, unit, sandbox, Ref(devices[0]))), out / f"{unit}.png"))
        for p, graded in zip(prepared, result.exercises, strict=True):
            path = out / f"{p.exercise.id}.expected-vs-got.png"
            # `accept` graders (many right answers) have no single expected array to draw
            found = _first_difference(sandbox, p) if graded.status == "failed" and p.grader.accept is None else None
            if found:
                advice = next((m.explain for m in p.grader.mistakes if m.name == graded.mistake), "")
                written.append(_save(_expected_vs_got(p.exercise.id, *found, advice), path))
            else:
                path.unlink(missing_ok=True)  # last run's picture of a mistake since fixed would mislead
    return written


def _unit(course: Course, target: str) -> Unit:
    found = course.resolve(target)
    if isinstance(found, Unit):
        return found
    raise UserError(t("plot.whole-unit", unit=found.unit))


@dataclass
class _Context:
    """What a unit's figure needs: the learner's functions (sandboxed) and the torch references."""

    course: Course
    unit: str
    sandbox: Sandbox
    ref: Ref

    def yours(self, function: str, *args) -> Outcome:
        (outcome,) = self.sandbox.calls(self.unit, function, [list(args)])
        return outcome

    def reference(self, function: str, *args):
        grader = grader_for(self.course.exercise(f"{self.unit}.{function}"))
        return to_numpy(grader.reference(self.ref, *args))


# --- turning outcomes into something to draw --------------------------------------------------


def _why_not(outcome: Outcome) -> str:
    """A panel's few words for a call that gave no answer."""
    if outcome.kind in ("not-implemented", "missing"):
        return outcome.kind.replace("-", " ")
    if outcome.kind == "timeout":
        return "timed out"
    return "error: " + (f"{outcome.type}: {outcome.message}" if outcome.type else outcome.message or outcome.kind)


def _answer(outcome: Outcome, pick: Callable = lambda value: value, shape: tuple | None = None) -> np.ndarray | str:
    """The (picked part of the) answer as a float64 array of `shape`, or a label saying why not."""
    if outcome.kind != "ok":
        return _why_not(outcome)
    try:
        array = np.asarray(pick(outcome.value), dtype=np.float64)
    except Exception:  # whatever came back: a pair that is no pair, a string, a dict without the key
        return "error: the answer is not an array of numbers"
    if shape is not None and array.shape != shape:
        return f"error: an answer of shape {array.shape}, not {shape}"
    return array


def _numbers(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except Exception:  # not numbers: nothing to draw
        return None


# --- figures ----------------------------------------------------------------------------------


def _figure(rows: int, columns: int, title: str):
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    fig.suptitle(title, fontsize="large")
    return fig, fig.subplots(rows, columns, squeeze=False)


def _save(fig: Figure, path: Path) -> Path:
    with warnings.catch_warnings():
        # a learner's error message may hold characters (Hangul) that the default font lacks
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig.savefig(path, dpi=DPI)  # never bbox_inches="tight": it would change the pixel size
    return path


def _say(ax, text: str, color: str = "#b00020", width: int = 26, most: int = 120) -> None:
    """A label in the middle of a panel, in place of a curve that could not be drawn."""
    text = textwrap.shorten(text, most).replace("$", r"\$")  # "$" would start mathtext
    ax.text(
        0.5,
        0.5,
        textwrap.fill(text, width),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=color,
        fontsize="medium",
        zorder=10,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": color},
    )


def _title(ax, title: str, reference: np.ndarray, yours: np.ndarray | str) -> None:
    """The panel's title, and below it in colour whether the learner's answer matches the
    reference at the grading tolerance (float64)."""
    if isinstance(yours, str):
        ax.set_title(title, fontsize="medium")
    elif compare(reference, yours, np.float64, check_dtype=False) is None:
        ax.set_title(f"{title}\nyours matches", color="#1a7f37", fontsize="medium")
    else:
        ax.set_title(f"{title}\nyours differs", color="#b00020", fontsize="medium")


def _masked(values: np.ndarray):
    return np.ma.masked_invalid(values[:MAX_POINTS])


def _curve_panel(
    ax, x, reference: np.ndarray, yours: np.ndarray | str, title: str, xlabel: str = "x", log: bool = False
) -> None:
    """The reference as a broad pale line, the learner's answer dashed over it (or a label)."""
    ax.plot(x, _masked(reference), label="reference (PyTorch)", **REFERENCE_STYLE)
    if isinstance(yours, str):
        _say(ax, f"yours: {yours}")
    else:
        ax.plot(x, _masked(yours), label="yours", **YOURS_STYLE)
    if log:
        ax.set_yscale("log")  # the losses fall by orders of magnitude
    _title(ax, title, reference, yours)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left" if isinstance(yours, str) else "best")  # clear of the label


# activations: each function over its derivative, x in [-6, 6] ------------------------------------

ACTIVATIONS = (("sigmoid", ()), ("tanh", ()), ("relu", ()), ("leaky_relu", (LEAKY_SLOPE,)))


def _activations(ctx: _Context) -> Figure:
    x = np.arange(-240, 241) / 40  # steps of 1/40, so x = 0 exactly, where the ReLUs' slopes jump
    fig, axes = _figure(
        2,
        4,
        "activations and their derivatives: yours over the reference, x in [-6, 6] "
        f"(leaky ReLU with negative_slope = {LEAKY_SLOPE})",
    )
    for column, (name, extra) in enumerate(ACTIVATIONS):
        for row, function in enumerate((name, f"{name}_grad")):
            arguments = f", {LEAKY_SLOPE}" if extra else ""
            yours = _answer(ctx.yours(function, x, *extra), shape=x.shape)
            _curve_panel(axes[row, column], x, ctx.reference(function, x, *extra), yours, f"{function}(x{arguments})")
    return fig


# xor_mlp: decision boundaries over the plane around the four XOR points ---------------------------


def _xor_mlp(ctx: _Context) -> Figure:
    ticks = np.arange(-40, 121) / 80  # [-0.5, 1.5] in steps of 1/80, 0 and 1 included exactly
    gx, gy = np.meshgrid(ticks, ticks)
    X = np.vstack([np.column_stack([gx.ravel(), gy.ravel()]), XOR_X])  # the grid, then the four XOR points
    fig, axes = _figure(2, 3, "the XOR network: output over the plane (black line: output = 0.5)")
    for column, activation in enumerate(("step", "sigmoid")):
        reference = ctx.reference("forward", X, *SEED, activation)[1]
        yours = _answer(ctx.yours("forward", X, *SEED, activation), lambda v: v[1], shape=reference.shape)
        _boundary(axes[0, column], ticks, yours)
        _title(axes[0, column], f"your forward, the notes' weights, {activation}", reference, yours)
        _boundary(axes[1, column], ticks, reference)
        axes[1, column].set_title(f"reference forward, the notes' weights, {activation}", fontsize="medium")
    params, losses = ctx.reference("train", XOR_X, XOR_Y)
    reference = ctx.reference("forward", X, *(params[name] for name in NAMES), "sigmoid")[1]
    yours, note = _trained(ctx, ctx.yours("train", XOR_X, XOR_Y), X)
    _boundary(axes[0, 2], ticks, yours)
    _title(axes[0, 2], f"your train() with its defaults{note}", reference, yours)
    _boundary(axes[1, 2], ticks, reference)
    axes[1, 2].set_title(f"reference train(){_final(losses)}", fontsize="medium")
    fig.colorbar(ScalarMappable(Normalize(0, 1), OUTPUT_MAP), ax=axes, shrink=0.6, label="network output")
    return fig


def _trained(ctx: _Context, outcome: Outcome, X: np.ndarray) -> tuple[np.ndarray | str, str]:
    """The learner's trained network's outputs on X, computed by the torch forward: the picture
    shows what train() learned, whatever the learner's forward does."""
    if outcome.kind != "ok":
        return _why_not(outcome), ""
    try:
        params, losses = outcome.value
        weights = [np.asarray(params[name], dtype=np.float64) for name in NAMES]
    except Exception:  # not (params, losses), or params without W1, b1, W2, b2
        return "error: not (params, losses) with params W1, b1, W2, b2", ""
    out = ctx.reference("forward", X, *weights, "sigmoid")
    if isinstance(out, Raises):  # the reference forward refuses parameters of the wrong shapes
        return "error: trained parameters of the wrong shapes", ""
    return out[1], _final(losses)


def _final(losses) -> str:
    values = _numbers(losses)
    return f", final loss {values.ravel()[-1]:.4f}" if values is not None and values.size else ""


def _boundary(ax, ticks: np.ndarray, out: np.ndarray | str) -> None:
    """The network's output on the grid as colour, its 0.5 contour, and the four XOR points."""
    n = len(ticks)
    half = (ticks[1] - ticks[0]) / 2
    ax.set_xlim(ticks[0] - half, ticks[-1] + half)
    ax.set_ylim(ticks[0] - half, ticks[-1] + half)
    if isinstance(out, str):
        _say(ax, out)
    else:
        out = out.ravel()
        grid = np.ma.masked_invalid(out[: n * n].reshape(n, n))
        ax.imshow(grid, origin="lower", extent=(ticks[0] - half, ticks[-1] + half) * 2, vmin=0, vmax=1, cmap=OUTPUT_MAP)
        if grid.count() and grid.min() < 0.5 < grid.max():  # a contour needs both sides
            ax.contour(ticks, ticks, grid, levels=[0.5], colors="black", linewidths=1.5)
        for (x1, x2), value in zip(XOR_X, out[-4:], strict=False):
            ax.annotate(
                f"{value:.3f}",
                (x1, x2),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize="small",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8},
            )
    for target, marker in ((0, "o"), (1, "s")):
        rows = XOR_Y[:, 0] == target
        ax.scatter(
            XOR_X[rows, 0],
            XOR_X[rows, 1],
            marker=marker,
            s=70,
            facecolor="white" if target == 0 else "black",
            edgecolor="black",
            linewidths=1.5,
            zorder=3,
            label=f"XOR = {target}",
        )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.legend(fontsize="small", loc="lower right")


# gradient_descent: the three kinds on one problem ------------------------------------------------

GD_SAMPLES, GD_FEATURES, GD_LR, GD_EPOCHS, GD_BATCH, GD_SEED = 40, 2, 0.05, 30, 8, 0


def _gradient_descent(ctx: _Context) -> Figure:
    # the graders' own problem generator: a noisy linear regression and a starting (w, b)
    p = regression_problem(np.random.default_rng(GD_SEED), np.float64, GD_SAMPLES, GD_FEATURES, GD_LR, GD_EPOCHS)
    data = (p["X"], p["y"], p["w"], p["b"], p["lr"], p["epochs"])
    runs = (
        ("batch_gd", "1 update per epoch", ()),
        ("sgd", f"{GD_SAMPLES} updates per epoch, one sample each", (GD_SEED,)),
        ("minibatch_gd", f"{-(-GD_SAMPLES // GD_BATCH)} updates per epoch, batches of {GD_BATCH}", (GD_BATCH, GD_SEED)),
    )
    fig, axes = _figure(
        1,
        3,
        f"gradient descent on the same {GD_SAMPLES} samples (lr = {GD_LR}): "
        f"full-data MSE before each epoch and after the last",
    )
    epochs = np.arange(GD_EPOCHS + 1)
    for ax, (function, title, more) in zip(axes[0], runs, strict=True):
        reference = ctx.reference(function, *data, *more)[2]
        yours = _answer(ctx.yours(function, *data, *more), lambda v: v[2], shape=reference.shape)
        _curve_panel(ax, epochs, reference, yours, f"{function}: {title}", xlabel="epoch", log=True)
    axes[0, 0].set_ylabel("MSE (log scale)")
    return fig


UNIT_PLOTS: dict[str, Callable[[_Context], Figure]] = {
    "activations": _activations,
    "xor_mlp": _xor_mlp,
    "gradient_descent": _gradient_descent,
}


# --- expected vs got, for any exercise that fails on an array answer ----------------------------


def _first_difference(sandbox: Sandbox, p: engine.Prepared) -> tuple[Case, str, np.ndarray, np.ndarray] | None:
    """The first case whose answer has an array part that differs from the reference, with the
    largest such part: (case, part's name, expected, got). None where no array differs (the
    exercise failed on warnings, a changed input, a scalar, or a missing exception)."""
    outcomes = sandbox.calls(p.exercise.unit, p.exercise.function, [case.sent for case in p.cases], p.request)
    try:
        for case, expected, outcome in zip(p.cases, p.expected, outcomes, strict=False):
            wanted = next(iter(expected.values()))  # a failed exercise's references all agreed
            if outcome.kind != "ok" or isinstance(wanted, Raises) or case.defaults:
                continue
            differing = [
                (path, e, g)
                for path, e, g in _arrays(wanted, outcome.value, p.grader.parts)
                if compare(e, g, case.dtype, check_dtype=False) is not None
            ]
            if differing:
                return (case, *max(differing, key=lambda part: part[1].size))
    finally:
        outcomes.close()  # the sandbox drops the answers not read
    return None


def _arrays(expected, got, names: tuple[str, ...] = (), path: str = ""):
    """(name, expected, got as float64) for each non-empty array in the reference's answer
    (through tuples and dicts) that the learner's answer has, in numbers, at the same place."""
    if isinstance(expected, tuple) and isinstance(got, (tuple, list)) and len(got) == len(expected):
        for i, (e, g) in enumerate(zip(expected, got, strict=False)):
            yield from _arrays(e, g, (), join(path, names[i] if names else f"[{i}]"))
    elif isinstance(expected, dict) and isinstance(got, dict):
        for key in (k for k in expected if k in got):
            yield from _arrays(expected[key], got[key], (), join(path, str(key)))
    elif (
        isinstance(expected, np.ndarray)
        and expected.ndim
        and expected.size
        and (numbers := _numbers(got)) is not None
        and numbers.size
    ):
        yield path, expected, numbers


def _expected_vs_got(
    exercise_id: str, case: Case, part: str, expected: np.ndarray, got: np.ndarray, advice: str = ""
) -> Figure:
    """`advice`: what the grader's known mistake says to do, for a panel with nothing to draw."""
    what = f"{exercise_id}" + (f", part {part}" if part else "")
    title = f"{what}: expected vs got, on the case {case.label!r}".replace("$", r"\$")
    expected = expected.astype(np.float64)
    blank = _nothing_to_draw(exercise_id, part, got, advice)
    if expected.ndim == 2 and got.ndim == 2:
        return _heatmaps(title, expected, got, blank)
    return _lines(title, expected, got, blank)


def _nothing_to_draw(exercise_id: str, part: str, got: np.ndarray, advice: str) -> str:
    """What the learner's panel says where their answer has no finite value; "" where it has one.
    An empty panel would look like a drawing bug, not like their NaN."""
    if np.isfinite(got).any():
        return ""
    what = "NaN" if np.isnan(got).all() else "inf" if np.isinf(got).all() else "NaN and inf"
    function = exercise_id.partition(".")[2] + (f" (part {part})" if part else "")
    return f"your {function} returned only {what}: {advice or f'`course hint {exercise_id}` says what to try'}"


def _lines(title: str, expected: np.ndarray, got: np.ndarray, blank: str) -> Figure:
    """Both answers flattened, as lines over the element index; their difference below, or
    `blank` over them where the learner's answer has nothing to draw."""
    same = expected.shape == got.shape and not blank
    fig, axes = _figure(2 if same else 1, 1, title)
    e, g = expected.ravel(), got.ravel()
    small = max(e.size, g.size) <= 60  # few elements: mark each one
    flat = "" if expected.ndim == 1 and got.ndim == 1 else ", flattened"
    ax = axes[0, 0]
    ax.plot(
        _masked(e),
        marker="o" if small else None,
        label=f"expected (reference), shape {expected.shape}",
        **REFERENCE_STYLE,
    )
    ax.plot(
        _masked(g), marker="x" if small else None, label=f"got (yours), shape {got.shape}{_unfinite(g)}", **YOURS_STYLE
    )
    ax.set_xlabel(f"element index{flat}")
    ax.set_ylabel("value")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if blank:
        _say(ax, blank, width=48, most=300)
    if same:
        with np.errstate(all="ignore"):
            difference = g - e
        axes[1, 0].plot(_masked(difference), marker="o" if small else None, color="#b00020")
        axes[1, 0].axhline(0, color="black", linewidth=0.8)
        axes[1, 0].set_xlabel(f"element index{flat}")
        axes[1, 0].set_ylabel("got − expected")
        axes[1, 0].grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # element indices
    return fig


def _heatmaps(title: str, expected: np.ndarray, got: np.ndarray, blank: str) -> Figure:
    """2-D answers side by side on one colour scale; their difference beside them, or `blank`
    in the learner's panel where their answer has nothing to draw."""
    same = expected.shape == got.shape and not blank
    fig, axes = _figure(1, 3 if same else 2, title)
    both = np.concatenate([expected.ravel(), got.ravel()])
    finite = both[np.isfinite(both)]
    norm = Normalize(finite.min(), finite.max()) if finite.size else Normalize(0, 1)
    panels = [
        (expected, f"expected (reference), shape {expected.shape}", "viridis", norm),
        (got, f"got (yours), shape {got.shape}{_unfinite(got)}", "viridis", norm),
    ]
    if same:
        with np.errstate(all="ignore"):
            difference = got - expected
        worst = np.abs(difference[np.isfinite(difference)]).max(initial=0) or 1.0
        panels.append((difference, "got − expected", DIVERGING, Normalize(-worst, worst)))
    for ax, (values, label, cmap, scale) in zip(axes[0], panels, strict=True):
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=scale, aspect="auto", interpolation="nearest")
        ax.set_title(label, fontsize="medium")
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # no ticks between rows or columns
        fig.colorbar(image, ax=ax, shrink=0.8)
        if values.size <= 64:  # few cells: print each value too
            for (row, column), value in np.ndenumerate(values):
                ax.text(
                    column,
                    row,
                    f"{value:.3g}",
                    ha="center",
                    va="center",
                    fontsize="small",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.7, "linewidth": 0},
                )
    if blank:
        _say(axes[0, 1], blank, width=30, most=300)
    return fig


def _unfinite(values: np.ndarray) -> str:
    count = int(values.size - np.isfinite(values).sum())
    return f" ({count} nan/inf not drawn)" if count else ""
