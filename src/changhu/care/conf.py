"""Settings of the care module, as data: which grades qualify for benefits, and warning windows.

``CARE_QUALIFYING_GRADES`` (Django setting) or ``CHANGHU_CARE_QUALIFYING_GRADES`` (environment,
comma-separated) override the default 3, 4, 5 (重度失能Ⅰ–Ⅲ级, as in most pilot cities).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_QUALIFYING_GRADES = (3, 4, 5)


def qualifying_grades() -> frozenset[int]:
    value = getattr(settings, "CARE_QUALIFYING_GRADES", None)
    if value is None:
        text = os.environ.get("CHANGHU_CARE_QUALIFYING_GRADES", "")
        value = [part for part in text.split(",") if part.strip()] or DEFAULT_QUALIFYING_GRADES
    try:
        grades = frozenset(int(str(g).strip()) for g in value)
    except ValueError:
        raise ImproperlyConfigured("CARE_QUALIFYING_GRADES must be whole numbers 0-5") from None
    if not grades or not grades <= set(range(6)):
        raise ImproperlyConfigured("CARE_QUALIFYING_GRADES must be whole numbers 0-5")
    return grades


def grade_label(grade: int | None) -> str:
    return {
        0: "基本正常",
        1: "轻度失能",
        2: "中度失能",
        3: "重度失能Ⅰ级",
        4: "重度失能Ⅱ级",
        5: "重度失能Ⅲ级",
    }.get(grade, "" if grade is None else str(grade))
