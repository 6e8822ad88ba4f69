"""The articles' text: plain paragraphs and a small part of Markdown, as blocks to draw.

No HTML is ever produced here or taken from the text: the body is cut into blocks (headings,
paragraphs, bulleted and numbered lists) and each line into runs of plain and bold text; the
template draws them with Django's escaping, so whatever the bureau types shows as text.

Understood:

- a blank line separates paragraphs; lines of one paragraph are joined;
- ``## 标题`` (or ``#``, ``###``) starts a heading;
- lines starting ``- ``, ``* `` or ``• `` make a bulleted list, ``1. `` / ``1、`` a numbered one;
- ``**加粗**`` inside a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_BULLET = re.compile(r"^[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\d{1,2}[.、．)]\s*(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass
class Block:
    kind: str  # heading, paragraph, bullets, numbered
    lines: list[list[Run]] = field(default_factory=list)  # one for a heading or a paragraph

    @property
    def runs(self) -> list[Run]:
        return self.lines[0] if self.lines else []


def runs(text: str) -> list[Run]:
    """A line as plain and bold runs (``**…**``); an unclosed ``**`` stays as typed."""
    out: list[Run] = []
    position = 0
    for match in _BOLD.finditer(text):
        if match.start() > position:
            out.append(Run(text[position : match.start()]))
        out.append(Run(match.group(1), bold=True))
        position = match.end()
    if position < len(text):
        out.append(Run(text[position:]))
    return out


def blocks(body: str) -> list[Block]:
    """The body as blocks, in order. A line without a mark right after a list item (no blank
    line between) continues that item."""
    parsed: list[tuple[str, list[str]]] = []  # (kind, raw lines)
    paragraph: list[str] = []
    after_blank = True

    def flush() -> None:
        if paragraph:
            parsed.append(("paragraph", ["".join(paragraph)]))
            paragraph.clear()

    for raw in (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            after_blank = True
            continue
        heading = _HEADING.match(line)
        item = _BULLET.match(line) or _NUMBERED.match(line)
        in_list = bool(parsed) and parsed[-1][0] in ("bullets", "numbered") and not paragraph
        if heading:
            flush()
            parsed.append(("heading", [heading.group(2).strip()]))
        elif item:
            flush()
            kind = "bullets" if _BULLET.match(line) else "numbered"
            if in_list and parsed[-1][0] == kind and not after_blank:
                parsed[-1][1].append(item.group(1).strip())
            else:
                parsed.append((kind, [item.group(1).strip()]))
        elif in_list and not after_blank:
            parsed[-1][1][-1] += line
        else:
            paragraph.append(line)
        after_blank = False
    flush()
    return [Block(kind, [runs(text) for text in lines]) for kind, lines in parsed]


def plain_text(body: str) -> str:
    """The body without its marks, for a summary or a search."""
    out = []
    for block in blocks(body):
        for line in block.lines:
            out.append("".join(r.text for r in line))
    return " ".join(out)
