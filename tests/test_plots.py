"""`course plot UNIT`: the PNGs it writes for the solutions, the shipped stubs and wrong answers.

plot_unit runs in this process where it can (torch is imported once); the command itself runs
once in a subprocess, as a learner would run it, on a learner's copy of the course.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from graders import plots
from graders.course import load
from graders.errors import UserError
from graders.plots import HEIGHT, WIDTH, _expected_vs_got, plot_unit
from graders.spec import Case
from graders.units import figures_of, grader_for
from tests.conftest import ROOT
from tests.helpers import run_course

FIGURES = ("activations", "xor_mlp", "gradient_descent")  # the units with a figure of their own


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def learner_copy(where: Path, answers: dict[str, str] | None = None) -> Path:
    """A course root whose exercises/ holds the solutions; `answers` appends a unit's wrong
    functions, which replace the solution's as a learner's later def would."""
    (where / "exercises").mkdir(parents=True)
    shutil.copy(ROOT / "course.toml", where)
    for module in (ROOT / "solutions").glob("*.py"):
        shutil.copy(module, where / "exercises")
    for unit, source in (answers or {}).items():
        module = where / "exercises" / f"{unit}.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n\n" + source, encoding="utf-8")
    return where


def assert_pngs(written: list[Path], out: Path, names: list[str]) -> None:
    assert written == [out / name for name in names]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for path in written:
        assert png_size(path) == (WIDTH, HEIGHT), path


def test_solutions_get_each_units_figure_and_no_expected_vs_got(tmp_path):
    root = learner_copy(tmp_path / "course")
    course, out = load(root), tmp_path / "plots"
    written = [path for unit in FIGURES for path in plot_unit(course, unit, root / "exercises", out)]
    assert_pngs(written, out, [f"{unit}.png" for unit in FIGURES])
    assert plot_unit(course, "losses", root / "exercises", tmp_path / "none") == []  # no figure, nothing failed


def test_stubs_get_the_figures_and_nothing_to_compare(tmp_path):
    """The shipped stubs are not implemented, not wrong: each figure is drawn, with labelled
    panels where the learner's curves would be, and no answer is an array to compare."""
    course = load(ROOT)
    for unit in FIGURES:
        out = tmp_path / unit
        assert_pngs(plot_unit(course, unit, ROOT / "exercises", out, device="cpu"), out, [f"{unit}.png"])


def test_a_module_that_does_not_import_still_gets_its_figure(tmp_path):
    root = learner_copy(tmp_path / "course", {"activations": "def relu(x):\n    return x +\n"})
    out = tmp_path / "plots"
    assert_pngs(plot_unit(load(root), "activations", root / "exercises", out), out, ["activations.png"])


def test_wrong_forward_gets_its_expected_vs_got(tmp_path):
    step_at_zero_is_one = (
        "def forward(X, W1, b1, W2, b2, activation='step'):\n"
        "    act = (lambda z: (z >= 0).astype(float)) if activation == 'step' else _sigmoid\n"
        "    hidden = act(np.asarray(X, dtype=float) @ W1 + b1)\n"
        "    return hidden, act(hidden @ W2 + b2)\n"
    )
    root = learner_copy(tmp_path / "course", {"xor_mlp": step_at_zero_is_one})
    out = tmp_path / "plots"
    written = plot_unit(load(root), "xor_mlp", root / "exercises", out)
    # seed_table builds on forward, so it fails too; train's sigmoid network does not
    assert_pngs(
        written, out, ["xor_mlp.png", "xor_mlp.forward.expected-vs-got.png", "xor_mlp.seed_table.expected-vs-got.png"]
    )


@pytest.mark.parametrize(
    ("expected", "got", "images"),
    [
        (np.arange(6.0), np.arange(6.0) + 1, 0),  # 1-D: lines, and their difference
        (np.eye(3), np.ones((3, 3)), 3),  # 2-D: expected, got, difference side by side
        (np.eye(3), np.ones((3, 2)), 2),  # 2-D of another shape: no difference to draw
        (np.ones((2, 3, 4)), np.full((2, 3, 4), np.nan), 0),  # 3-D: flattened; nan is not drawn
    ],
)
def test_expected_vs_got_draws_lines_or_heatmaps(tmp_path, expected, got, images):
    fig = _expected_vs_got("unit.function", Case({}, "a case"), "", expected, got)
    assert sum(len(ax.images) for ax in fig.axes) == images
    fig.savefig(tmp_path / "figure.png", dpi=fig.dpi)
    assert png_size(tmp_path / "figure.png") == (WIDTH, HEIGHT)


def test_an_all_nan_answer_says_so_and_what_to_do_instead_of_an_empty_panel(tmp_path, monkeypatch):
    naive = "def softmax(x, axis=-1):\n    e = np.exp(np.asarray(x))\n    return e / e.sum(axis=axis, keepdims=True)\n"
    root = learner_copy(tmp_path / "course", {"activations": naive})
    drawn, save = {}, plots._save

    def keep(fig, path):
        drawn[path.name] = fig
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    course, out = load(root), tmp_path / "plots"
    path = out / "activations.softmax.expected-vs-got.png"  # softmax_backward, built on it, fails too
    assert path in plot_unit(course, "activations", root / "exercises", out)
    assert png_size(path) == (WIDTH, HEIGHT)
    fig = drawn[path.name]
    assert len(fig.axes) == 1  # no difference panel: there is no difference to draw
    said = " ".join(" ".join(text.get_text().split()) for ax in fig.axes for text in ax.texts)
    # np.exp(1000) is inf, inf/inf is nan: the grader's known mistake says what to do
    advice = [" ".join(m.explain.split()) for m in grader_for(course.exercise("activations.softmax")).mistakes]
    assert any(f"your softmax returned only NaN: {text}" in said for text in advice), said


def test_unknown_unit_is_a_user_error():
    course = load(ROOT)
    with pytest.raises(UserError, match="'nope' is neither a unit nor an exercise id; units are: tensors, perceptron"):
        plot_unit(course, "nope", ROOT / "exercises", ROOT / "never-written")
    with pytest.raises(UserError, match="run `course plot activations`"):
        plot_unit(course, "activations.relu", ROOT / "exercises", ROOT / "never-written")
    assert not (ROOT / "never-written").exists()


def test_course_plot_command_on_a_wrong_relu(tmp_path):
    root = learner_copy(tmp_path / "course", {"activations": "def relu(x):\n    return x\n"})
    stale = root / "plots" / "activations.sigmoid.expected-vs-got.png"  # from an earlier, since fixed, sigmoid
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    run = run_course("plot", "activations", "--device", "cpu", cwd=root)
    assert run.returncode == 0, run.stderr
    names = ["activations.png", "activations.relu.expected-vs-got.png"]
    assert run.stdout.split() == [str(Path("plots") / name) for name in names]
    assert_pngs([root / "plots" / name for name in names], root / "plots", names)

    run = run_course("plot", "nope", cwd=root)
    assert run.returncode == 2 and run.stderr.startswith("error: 'nope' is neither a unit"), run.stderr


def test_a_units_figures_live_in_the_unit_and_plots_names_no_unit():
    """Adding a figure is the unit's own business (its FIGURES, beside GRADERS): graders.plots
    is the toolkit and the command, and imports no unit module."""
    course = load(ROOT)
    drawn = {unit.name: sorted(figures_of(unit.name)) for unit in course.units if figures_of(unit.name)}
    assert drawn == {unit: [unit] for unit in FIGURES}
    source = (ROOT / "graders" / "plots.py").read_text(encoding="utf-8")
    assert "graders.units." not in source and not any(f'"{unit.name}"' in source for unit in course.units)


def test_korean_figures_are_drawn_in_a_font_with_hangul():
    """--lang ko: the figures' words are Korean, drawn in NanumGothic (koreanize-matplotlib's
    font file), with no glyph missing; DejaVu Sans, matplotlib's own font, has no Hangul."""
    import io
    import warnings

    from matplotlib import font_manager

    from graders import i18n

    with i18n.speaking("ko"), plots.lettering():
        fig, axes = plots.new_figure(1, 1, i18n.t("plot.xor"))
        axes[0, 0].set_xlabel(i18n.t("plot.epoch"))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
            fig.savefig(io.BytesIO(), format="png")
    assert fig._suptitle.get_text().startswith("XOR 신경망")
    assert Path(font_manager.findfont(fig._suptitle.get_fontproperties())).name == "NanumGothic.ttf"


def test_without_a_korean_font_the_figures_speak_english(monkeypatch):
    from graders import i18n

    monkeypatch.setattr(plots, "_korean_font", lambda: None)
    with i18n.speaking("ko"), plots.lettering():
        assert i18n.t("plot.yours") == "yours"  # boxes in place of every Hangul letter would help no one
    with i18n.speaking("ko"):
        assert i18n.t("plot.yours") == "내 답"
