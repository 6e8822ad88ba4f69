"""What the Content-Security-Policy asks of a template: no inline script, style or handler."""

from __future__ import annotations

import re
from pathlib import Path


def assert_no_inline_script_or_style(templates: Path) -> None:
    """Every ``.html`` template below ``templates`` loads its scripts and styles from files."""
    paths = list(templates.rglob("*.html"))
    assert paths, templates
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+=", text), path
