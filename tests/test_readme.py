"""The README's outline and commands stay true to course.toml and .ci/run."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_outline_lists_every_unit_in_order_with_its_points(course):
    rows = re.findall(r"^\| \d+ \| `(\w+)` \|.*\| (\d+) \| (\d+) \|$", README, re.MULTILINE)
    assert [(name, int(n), int(points)) for name, n, points in rows] == [
        (u.name, len(u.exercises), sum(ex.points for ex in u.exercises)) for u in course.units
    ]
