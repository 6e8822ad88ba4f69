"""The articles' text: blocks and runs, never HTML."""

from __future__ import annotations

import pytest

from changhu.public import markup
from changhu.public.markup import Run


def shape(body: str) -> list[tuple[str, list[str]]]:
    return [
        (b.kind, ["".join(("**" if r.bold else "") + r.text for r in line) for line in b.lines])
        for b in markup.blocks(body)
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", []),
        ("一段\n续行\n\n二段", [("paragraph", ["一段续行"]), ("paragraph", ["二段"])]),
        ("## 标题\n正文", [("heading", ["标题"]), ("paragraph", ["正文"])]),
        ("- 甲\n- 乙\n• 丙", [("bullets", ["甲", "乙", "丙"])]),
        ("1. 甲\n2、乙\n3．丙", [("numbered", ["甲", "乙", "丙"])]),
        ("- 甲\n  接着\n- 乙", [("bullets", ["甲接着", "乙"])]),
        ("- 甲\n\n- 乙", [("bullets", ["甲"]), ("bullets", ["乙"])]),
        ("说明\n- 甲", [("paragraph", ["说明"]), ("bullets", ["甲"])]),
        ("a **粗** b", [("paragraph", ["a **粗 b"])]),
        ("未闭合 **的星号", [("paragraph", ["未闭合 **的星号"])]),
        ("\r\n## 题\r\n\r\n文", [("heading", ["题"]), ("paragraph", ["文"])]),
    ],
)
def test_blocks(body, expected):
    assert shape(body) == expected


def test_markup_is_kept_as_text():
    (block,) = markup.blocks('<script>alert(1)</script> <a href="x">链接</a>')
    assert block.runs == [Run('<script>alert(1)</script> <a href="x">链接</a>')]


def test_plain_text_drops_the_marks():
    assert markup.plain_text("## 标题\n- **甲**\n正文") == "标题 甲正文"
