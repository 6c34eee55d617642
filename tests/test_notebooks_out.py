"""`course notebooks --out DIR` writes its own files, never through links planted in DIR."""

from __future__ import annotations

import json

from graders import nbgrader_course


def test_links_planted_in_the_out_folder_are_replaced_not_written_through(tmp_path, course):
    out, elsewhere = tmp_path / "nbgrader", tmp_path / "elsewhere"
    elsewhere.mkdir()
    notebook = out / "source" / "activations" / "activations.ipynb"
    planted = {out / "nbgrader_config.py": elsewhere / "config.py", notebook: elsewhere / "activations.ipynb"}
    for link, target in planted.items():
        target.write_text("not yours to overwrite\n", encoding="utf-8")
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    written = nbgrader_course.build(course, out, None)
    for link, target in planted.items():
        assert target.read_text(encoding="utf-8") == "not yours to overwrite\n"
        assert not link.is_symlink() and link.is_file()
    assert json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["course"] == {"unit": "activations"}
    assert len(written) == len(course.units)
    assert [p.name for p in out.rglob(".*")] == []  # no temporary file left behind
