"""Pickers of the persons an institution cares for (web/pickers.py).

``beneficiary``: anyone with a care arrangement in the user's scope, now or in the last two
months; ``resident``: the same in institutional care (床日 admissions, leave, transfers)."""

from __future__ import annotations

from changhu.care import selectors
from changhu.insured import selectors as insured_selectors
from changhu.insured.pickers import person_choice
from changhu.providers.models import CareMode
from changhu.web.pickers import PickerKind, register_picker


def _kind(code: str, noun: str, care_mode: str = "") -> PickerKind:
    return PickerKind(
        code=code,
        noun=noun,
        placeholder="输入姓名、参保编号或身份证号码查找",
        candidates=lambda user: selectors.persons_cared_for(fetched_by=user, care_mode=care_mode),
        search=insured_selectors.person_search,
        exact=insured_selectors.person_named,
        describe=person_choice,
    )


register_picker(_kind("beneficiary", "服务对象"))
register_picker(_kind("resident", "机构照护对象", CareMode.INSTITUTIONAL))
