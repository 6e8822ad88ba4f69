"""Caregiver assignments (护理员派定): who serves whom, from when, checked against certificates and
load.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlanItem,
)
from changhu.care.services._common import _E, _P, _date, _today, _user
from changhu.care.services.plans import _own_institution
from changhu.core import audit
from changhu.core.errors import Conflict, NotFound, field_error
from changhu.core.scope import get_scoped, scope_of
from changhu.insured.models import Person
from changhu.orgs.models import OrgKind
from changhu.providers import services as providers
from changhu.providers.models import Caregiver, CaregiverKind, Institution

# --- caregiver assignments ------------------------------------------------------------------


def assignment_create(
    *,
    actor,
    person_id: int,
    caregiver_id: int,
    item_code: str = "",
    start_date=None,
    institution_id: int | None = None,
) -> Assignment:
    """Assign one of the institution's caregivers to a beneficiary (or one item of their plan);
    refused if the caregiver could not serve that day (certificate, status, institution)."""
    institution = _own_institution(actor, institution_id)
    day = _date(start_date, "start_date", "起始日", required=False) or _today()
    with transaction.atomic():
        arrangement = (
            Arrangement.objects.filter(
                person_id=person_id,
                institution=institution,
                start_date__lte=day,
                entitlement__status=_E.ACTIVE,
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .first()
        )
        if arrangement is None:
            raise Conflict(f"该参保人在{day}没有由本机构提供服务的有效待遇", code="no_arrangement")
        caregiver: Caregiver = get_scoped(
            Caregiver.objects.select_related("institution__organization").prefetch_related(
                "certificates"
            ),
            actor,
            pk=caregiver_id,
        )
        if caregiver.institution_id != institution.pk:
            raise NotFound()
        if caregiver.kind == CaregiverKind.FAMILY and caregiver.beneficiary_id != int(person_id):
            raise Conflict(
                f"亲情护理员{caregiver.name}只能服务其关联的参保人",
                code="caregiver_family_other_person",
                fields={"caregiver_id": "亲情护理员只能服务其关联的参保人"},
            )
        item = None
        if item_code:
            plan_item = (
                CarePlanItem.objects.select_related("item")
                .filter(
                    plan__person_id=person_id,
                    plan__status=_P.CONFIRMED,
                    item__code=item_code.strip().upper(),
                )
                .first()
            )
            if plan_item is None:
                raise field_error("item_code", "item_not_in_plan", "该项目不在执行中的护理计划里")
            item = plan_item.item
        providers.caregiver_assert_assignable(
            caregiver, day, qualification=item.qualification if item else ""
        )
        duplicate = Assignment.objects.filter(
            person_id=person_id, caregiver=caregiver, item=item
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        if duplicate.exists():
            raise Conflict("该护理员已派定给此参保人", code="assignment_exists")
        assignment = Assignment.objects.create(
            person_id=person_id,
            institution=institution,
            caregiver=caregiver,
            item=item,
            start_date=day,
            created_by=_user(actor),
        )
        audit.record(
            action="create",
            obj=assignment,
            user=actor,
            note=f"派定护理员{caregiver.name}"
            + (f"负责“{item.name}”" if item else "")
            + f"，{day}起",
        )
    return assignment


def assignment_end(*, actor, assignment_id: int, end_date=None) -> Assignment:
    institution = _own_institution(actor)
    day = _date(end_date, "end_date", "截止日", required=False) or _today()
    with transaction.atomic():
        assignment = get_scoped(Assignment.objects.select_for_update(), actor, pk=assignment_id)
        if assignment.institution_id != institution.pk:
            raise NotFound()
        if assignment.end_date is not None and assignment.end_date <= day:
            raise Conflict("该派定已结束", code="assignment_ended")
        if day < assignment.start_date:
            raise field_error("end_date", "date_order", "截止日不能早于起始日")
        assignment.end_date = day
        assignment.save(update_fields=["end_date"])
        audit.record(action="update", obj=assignment, user=actor, note=f"结束派定：{day}")
    return assignment


def beneficiary_of_institution(actor, person_id: int, institution: Institution) -> Person | None:
    """For family caregivers: a person with an active entitlement cared for by ``institution``."""
    scope = scope_of(actor)
    if (
        scope.organization_kind == OrgKind.CARE
        and scope.organization_id != institution.organization_id
    ):
        return None
    if not Arrangement.objects.filter(
        person_id=person_id, institution=institution, entitlement__status=_E.ACTIVE
    ).exists():
        return None
    return Person.objects.filter(pk=person_id).first()
