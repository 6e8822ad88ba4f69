"""The picker of care institutions in the user's scope (web/pickers.py): by name or part of it."""

from __future__ import annotations

from django.db.models import QuerySet

from changhu.providers import selectors
from changhu.providers.models import CareMode, Institution
from changhu.web.pickers import Choice, PickerKind, register_picker

_MODES = dict(CareMode.choices)


def _search(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(organization__name__icontains=text.strip()).order_by(
        "organization__name", "pk"
    )


def _exact(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(organization__name=text.strip())


def _describe(institution: Institution) -> Choice:
    modes = "、".join(_MODES.get(m, m) for m in institution.care_modes or [])
    region = institution.organization.region
    return Choice(
        key=institution.pk,
        label=institution.organization.name,
        detail=" · ".join(p for p in (region.name if region else "", modes) if p),
    )


register_picker(
    PickerKind(
        code="care_institution",
        noun="护理机构",
        placeholder="输入机构名称或其中几个字查找",
        candidates=lambda user: selectors.institution_options(fetched_by=user).select_related(
            "organization__region"
        ),
        search=_search,
        exact=_exact,
        describe=_describe,
        name_of=lambda institution: institution.organization.name,
        hint="输入后从列表中选择；也可输入机构全称",
    )
)
