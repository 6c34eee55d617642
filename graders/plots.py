"""`course plot UNIT`: a unit's functions as PNGs, the learner's drawn beside the PyTorch reference.

The trust boundary is grading's: the learner's functions run only in the sandbox and only plain
data comes back; the references are the graders' own torch references, never solutions/ (a
learner's copy has none). Every figure has one size, so every PNG is WIDTH x HEIGHT pixels.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from graders import engine, i18n
from graders.compare import compare, join
from graders.course import Course, Unit
from graders.devices import select_devices
from graders.errors import UserError
from graders.i18n import t
from graders.reference import Ref, to_numpy
from graders.sandbox.handle import Outcome, Sandbox
from graders.spec import Case, Raises
from graders.units import figures_of, grader_for

# Files only: no display, no GUI toolkit. The Figure API below never imports pyplot, and this
# holds for anything that does later in the same process.
matplotlib.use("Agg")

WIDTH, HEIGHT, DPI = 1200, 800, 100
REFERENCE_STYLE = {"color": "#1f77b4", "linewidth": 4, "alpha": 0.4}
YOURS_STYLE = {"color": "#d62728", "linewidth": 1.6, "linestyle": "--"}
MAX_POINTS = 20_000  # of an answer drawn as a line: the graders' cases are far smaller
DIVERGING = "coolwarm"


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
    with lettering(), Sandbox(folder, course.limits) as sandbox:
        prepared = engine.prepare(exercises, devices)
        result = engine.grade(prepared, sandbox, folder.name)
        for name, draw in figures_of(unit).items():
            written.append(_save(draw(Context(course, unit, sandbox, Ref(devices[0]))), out / f"{name}.png"))
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


@contextlib.contextmanager
def lettering():
    """The figures in the run's language: Korean in NanumGothic, English where that font is not
    installed (DejaVu Sans, matplotlib's own, has no Hangul: every word would be a box)."""
    if i18n.language() != "ko":
        yield
        return
    family = _korean_font()
    if family is None:
        with i18n.speaking("en"):
            yield
        return
    with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"]}):  # DejaVu for what Nanum lacks
        yield


@functools.cache
def _korean_font() -> str | None:
    """NanumGothic, from the koreanize-matplotlib package, registered with matplotlib; None where
    it is not installed. The font file is found, not imported: the package's import changes
    matplotlib's settings for the whole process and needs distutils, gone since Python 3.12."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NanumGothic.ttf"
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _unit(course: Course, target: str) -> Unit:
    found = course.resolve(target)
    if isinstance(found, Unit):
        return found
    raise UserError(t("plot.whole-unit", unit=found.unit))


@dataclass
class Context:
    """What a unit's figure (its FIGURES) needs: the learner's functions (sandboxed) and the torch references."""

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


def why_not(outcome: Outcome) -> str:
    """A panel's few words for a call that gave no answer."""
    if outcome.kind == "not-implemented":
        return t("plot.not-implemented")
    if outcome.kind == "missing":
        return t("plot.missing")
    if outcome.kind == "timeout":
        return t("plot.timed-out")
    return t(
        "plot.error", what=f"{outcome.type}: {outcome.message}" if outcome.type else outcome.message or outcome.kind
    )


def answer_of(outcome: Outcome, pick: Callable = lambda value: value, shape: tuple | None = None) -> np.ndarray | str:
    """The (picked part of the) answer as a float64 array of `shape`, or a label saying why not."""
    if outcome.kind != "ok":
        return why_not(outcome)
    try:
        array = np.asarray(pick(outcome.value), dtype=np.float64)
    except Exception:  # whatever came back: a pair that is no pair, a string, a dict without the key
        return t("plot.not-numbers")
    if shape is not None and array.shape != shape:
        return t("plot.wrong-shape", got=array.shape, want=shape)
    return array


def as_numbers(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except Exception:  # not numbers: nothing to draw
        return None


# --- figures ----------------------------------------------------------------------------------


def new_figure(rows: int, columns: int, title: str):
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    fig.suptitle(title, fontsize="large")
    return fig, fig.subplots(rows, columns, squeeze=False)


def _save(fig: Figure, path: Path) -> Path:
    with warnings.catch_warnings():
        # a learner's error message may hold characters (Hangul) that the default font lacks
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig.savefig(path, dpi=DPI)  # never bbox_inches="tight": it would change the pixel size
    return path


def say(ax, text: str, color: str = "#b00020", width: int = 26, most: int = 120) -> None:
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


def panel_title(ax, title: str, reference: np.ndarray, yours: np.ndarray | str) -> None:
    """The panel's title, and below it in colour whether the learner's answer matches the
    reference at the grading tolerance (float64)."""
    if isinstance(yours, str):
        ax.set_title(title, fontsize="medium")
    elif compare(reference, yours, np.float64, check_dtype=False) is None:
        ax.set_title(f"{title}\n{t('plot.matches')}", color="#1a7f37", fontsize="medium")
    else:
        ax.set_title(f"{title}\n{t('plot.differs')}", color="#b00020", fontsize="medium")


def _masked(values: np.ndarray):
    return np.ma.masked_invalid(values[:MAX_POINTS])


def curve_panel(
    ax, x, reference: np.ndarray, yours: np.ndarray | str, title: str, xlabel: str = "x", log: bool = False
) -> None:
    """The reference as a broad pale line, the learner's answer dashed over it (or a label)."""
    ax.plot(x, _masked(reference), label=t("plot.reference"), **REFERENCE_STYLE)
    if isinstance(yours, str):
        say(ax, t("plot.yours-said", what=yours))
    else:
        ax.plot(x, _masked(yours), label=t("plot.yours"), **YOURS_STYLE)
    if log:
        ax.set_yscale("log")  # the losses fall by orders of magnitude
    panel_title(ax, title, reference, yours)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left" if isinstance(yours, str) else "best")  # clear of the label


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
        and (values := as_numbers(got)) is not None
        and values.size
    ):
        yield path, expected, values


def _expected_vs_got(
    exercise_id: str, case: Case, part: str, expected: np.ndarray, got: np.ndarray, advice: str = ""
) -> Figure:
    """`advice`: what the grader's known mistake says to do, for a panel with nothing to draw."""
    what = t("plot.part", id=exercise_id, part=part) if part else exercise_id
    title = t("plot.expected-vs-got", what=what, case=repr(case.label)).replace("$", r"\$")
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
    return t("plot.only-unfinite", function=function, what=what, advice=advice or t("plot.hint-says", id=exercise_id))


def _lines(title: str, expected: np.ndarray, got: np.ndarray, blank: str) -> Figure:
    """Both answers flattened, as lines over the element index; their difference below, or
    `blank` over them where the learner's answer has nothing to draw."""
    same = expected.shape == got.shape and not blank
    fig, axes = new_figure(2 if same else 1, 1, title)
    e, g = expected.ravel(), got.ravel()
    small = max(e.size, g.size) <= 60  # few elements: mark each one
    index = t("plot.index") if expected.ndim == 1 and got.ndim == 1 else t("plot.index-flat")
    ax = axes[0, 0]
    ax.plot(
        _masked(e),
        marker="o" if small else None,
        label=t("plot.expected", shape=expected.shape),
        **REFERENCE_STYLE,
    )
    ax.plot(
        _masked(g),
        marker="x" if small else None,
        label=t("plot.got", shape=got.shape, unfinite=_unfinite(g)),
        **YOURS_STYLE,
    )
    ax.set_xlabel(index)
    ax.set_ylabel(t("plot.value"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if blank:
        say(ax, blank, width=48, most=300)
    if same:
        with np.errstate(all="ignore"):
            difference = g - e
        axes[1, 0].plot(_masked(difference), marker="o" if small else None, color="#b00020")
        axes[1, 0].axhline(0, color="black", linewidth=0.8)
        axes[1, 0].set_xlabel(index)
        axes[1, 0].set_ylabel(t("plot.difference"))
        axes[1, 0].grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # element indices
    return fig


def _heatmaps(title: str, expected: np.ndarray, got: np.ndarray, blank: str) -> Figure:
    """2-D answers side by side on one colour scale; their difference beside them, or `blank`
    in the learner's panel where their answer has nothing to draw."""
    same = expected.shape == got.shape and not blank
    fig, axes = new_figure(1, 3 if same else 2, title)
    both = np.concatenate([expected.ravel(), got.ravel()])
    finite = both[np.isfinite(both)]
    norm = Normalize(finite.min(), finite.max()) if finite.size else Normalize(0, 1)
    panels = [
        (expected, t("plot.expected", shape=expected.shape), "viridis", norm),
        (got, t("plot.got", shape=got.shape, unfinite=_unfinite(got)), "viridis", norm),
    ]
    if same:
        with np.errstate(all="ignore"):
            difference = got - expected
        worst = np.abs(difference[np.isfinite(difference)]).max(initial=0) or 1.0
        panels.append((difference, t("plot.difference"), DIVERGING, Normalize(-worst, worst)))
    for ax, (values, label, cmap, scale) in zip(axes[0], panels, strict=True):
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=scale, aspect="auto", interpolation="nearest")
        ax.set_title(label, fontsize="medium")
        ax.set_xlabel(t("plot.column"))
        ax.set_ylabel(t("plot.row"))
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
        say(axes[0, 1], blank, width=30, most=300)
    return fig


def _unfinite(values: np.ndarray) -> str:
    count = int(values.size - np.isfinite(values).sum())
    return t("plot.unfinite", count=count) if count else ""
