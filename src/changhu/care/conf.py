"""Display labels of the disability grades for care pages.

Which grades qualify for benefits is not set here: it is the ``qualifying_grades`` of the
benefit policy in force for the person's region (``settlement.selectors.qualifying_grades_for``,
read through ``care.services.qualifying_grades_on``).
"""

from __future__ import annotations

GRADE_LABELS = {
    0: "基本正常",
    1: "轻度失能",
    2: "中度失能",
    3: "重度失能Ⅰ级",
    4: "重度失能Ⅱ级",
    5: "重度失能Ⅲ级",
}


def grade_label(grade: int | None) -> str:
    return GRADE_LABELS.get(grade, "" if grade is None else str(grade))
