"""What text the product accepts: one rule for API bodies, query strings and web forms.

Refused everywhere: NUL and the other C0/C1 control characters, bidirectional embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069: they make "acb.exe" look like
"bca.exe" or reverse a name in a list) and the byte-order mark U+FEFF. Multi-line text (notes,
reasons, remarks) may also hold tab and line breaks; a one-line value (a name, an address, a
number, a search) may not. A refusal names the field and says why, in Chinese, with the code
``text_invalid``.
"""

from __future__ import annotations

import re

from changhu.core.errors import ValidationFailed

TEXT_INVALID = "text_invalid"

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
_FORBIDDEN = re.compile(f"[{re.escape(_CONTROL + _BIDI)}\ufeff]")
_LINE_ALLOWED = "\t\n\r"

# Keys of multi-line fields: the key itself or its last part after "_" ("handling_note").
MULTILINE_KEYS = frozenset(
    {
        "note",
        "notes",
        "reason",
        "comment",
        "content",
        "findings",
        "remarks",
        "text",
        "memo",
        "description",
        "body",
    }
)


def is_multiline_key(key: str) -> bool:
    return key in MULTILINE_KEYS or key.rsplit("_", 1)[-1] in MULTILINE_KEYS


def problem(value: str, *, multiline: bool = False) -> str:
    """Why ``value`` is refused (a Chinese sentence), or "" when it is acceptable."""
    for match in _FORBIDDEN.finditer(value):
        ch = match.group()
        if multiline and ch in _LINE_ALLOWED:
            continue
        if ch == "\x00":
            return "不能包含空字符"
        if ch in "\n\r":
            return "不能换行"
        if ch in _BIDI:
            return "不能包含改变文字方向的控制字符"
        if ch == "\ufeff":
            return "不能包含字节顺序标记（BOM）"
        return "不能包含控制字符"
    return ""


def check(value: str, *, field: str, multiline: bool | None = None) -> str:
    """``value`` unchanged, or a ValidationFailed naming ``field``. ``multiline`` defaults to
    what the field's name says (see MULTILINE_KEYS)."""
    if multiline is None:
        multiline = is_multiline_key(field)
    why = problem(value, multiline=multiline)
    if why:
        raise ValidationFailed(f"输入内容{why}", code="text_invalid", fields={field or "body": why})
    return value


def check_tree(data, *, field: str = "") -> None:
    """Every text in a parsed JSON document (objects, lists, keys included), each judged by the
    name of the key it stands under."""
    if isinstance(data, str):
        check(data, field=field or "body")
    elif isinstance(data, dict):
        for key, value in data.items():
            check(str(key), field=field or "body", multiline=False)
            name = f"{field}.{key}" if field else str(key)
            if isinstance(value, str):
                check(value, field=name, multiline=is_multiline_key(str(key)))
            else:
                check_tree(value, field=name)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            check_tree(value, field=f"{field}.{index}" if field else str(index))
