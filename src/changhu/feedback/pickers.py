"""The caregiver picker of the complaint form: a caregiver in the user's scope, by name."""

from __future__ import annotations

from django.db.models import QuerySet

from changhu.core import scope
from changhu.providers.models import Caregiver
from changhu.web.pickers import Choice, PickerKind, register_picker


def _search(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(name__startswith=text.strip()).order_by("name", "pk")


def _describe(caregiver: Caregiver) -> Choice:
    return Choice(
        key=caregiver.pk,
        label=f"{caregiver.name}（{caregiver.institution.organization.name}）",
        detail=caregiver.get_status_display() if hasattr(caregiver, "get_status_display") else "",
    )


register_picker(
    PickerKind(
        code="feedback_caregiver",
        noun="护理员",
        placeholder="输入护理员姓名查找",
        candidates=lambda user: scope.scoped(
            Caregiver.objects.select_related("institution__organization"), user
        ),
        search=_search,
        exact=lambda qs, text: qs.filter(name=text.strip()),
        describe=_describe,
        hint="输入姓名后从列表中选择",
    )
)
