"""The register's search picker: any person in the user's register scope (web/pickers.py)."""

from __future__ import annotations

from changhu.core import scope
from changhu.insured import selectors
from changhu.insured.models import Person, PersonStatus
from changhu.web.pickers import Choice, PickerKind, register_picker


def person_choice(person: Person, *extra: str) -> Choice:
    """A person as pickers list them: name and masked ID number, then 参保编号 and street."""
    region = person.region
    place = f"{region.parent.name}{region.name}" if region.parent_id else region.name
    parts = [f"参保编号{person.insured_no}", place]
    if person.status != PersonStatus.ACTIVE:
        parts.append(person.get_status_display())
    return Choice(
        key=person.pk,
        label=f"{person.name}（{person.id_number_masked}）",
        detail=" · ".join([*parts, *(e for e in extra if e)]),
    )


register_picker(
    PickerKind(
        code="person",
        noun="参保人",
        placeholder="输入姓名、参保编号或身份证号码查找",
        candidates=lambda user: scope.scoped(Person.objects.select_related("region__parent"), user),
        search=selectors.person_search,
        exact=selectors.person_named,
        describe=person_choice,
    )
)
