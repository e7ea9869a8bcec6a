"""The /method page: the method notes (docs/method.md) as HTML, in the /validity page's look.

The notes are the project's own file, not user input; Markdown renders them (tables and code
blocks included)."""
from __future__ import annotations

from pathlib import Path

import markdown

from dashboard.validity import _page

METHOD_FILE = Path(__file__).resolve().parents[1] / "docs" / "method.md"


def render(path: Path = METHOD_FILE) -> str:
    text = path.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    return _page(title.lstrip("# ").strip() or "Method", markdown.markdown(body, extensions=["tables", "fenced_code"]))
