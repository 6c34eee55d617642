"""HTML pages from graders/templates/*.html.j2, Jinja2 with autoescape on: every value a page
is given lands in it as text, never as markup, so a learner's name, message or code cannot
add a tag. The templates are files a designer can edit; jinja2 loads only when a page is made."""

from __future__ import annotations

import functools
from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")


def render(template: str, **values) -> str:
    return _environment().get_template(template).render(**values)


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,  # a value the page names but nobody gave is an error, not ""
    )
