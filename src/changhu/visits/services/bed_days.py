"""Institutional care days: admissions, leave and hospital transfers, discharges, and the daily
fill of in-bed days.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from changhu.care import eligibility
from changhu.core import audit, clock
from changhu.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    field_error,
)
from changhu.core.scope import get_scoped, require
from changhu.insured.models import Person
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import Institution
from changhu.visits.facts import check_in_facts
from changhu.visits.models import (
    BedDay,
    BedDayKind,
    Stay,
)
from changhu.visits.services._common import ONE_DAY

# --- bed-days -------------------------------------------------------------------------------


def _own_institution(actor, right: str) -> Institution:
    s = require(actor, right)
    if s.organization_kind != OrgKind.CARE:
        raise PermissionDenied("只有护理机构可以登记")
    institution = Institution.objects.filter(organization_id=s.organization_id).first()
    if institution is None:
        raise PermissionDenied("本机构尚未成为定点护理机构")
    return institution


def _day(value, name: str, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(name, "date_invalid", f"{label}应为YYYY-MM-DD格式的日期") from None


def _stay_days(stay: Stay, through: dt.date) -> list[dt.date]:
    """The days a stay counts: admission day, not discharge day (one day if both the same)."""
    last = through
    if stay.discharged_on is not None:
        end = stay.discharged_on
        last = min(last, end if end == stay.admitted_on else end - ONE_DAY)
    days, day = [], stay.admitted_on
    while day <= last:
        days.append(day)
        day += ONE_DAY
    return days


def bed_days_fill(*, through: dt.date | None = None, institution_id: int | None = None) -> int:
    """Write the missing in-bed days of every stay up to ``through`` (today by default).
    Idempotent: existing days, whatever their kind, are left as they are."""
    through = through or clock.today()
    stays = Stay.objects.filter(admitted_on__lte=through).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=through - dt.timedelta(days=62))
    )
    if institution_id:
        stays = stays.filter(institution_id=institution_id)
    created = 0
    for stay in stays:
        start = max(stay.admitted_on, through - dt.timedelta(days=62))
        have = set(
            BedDay.objects.filter(person_id=stay.person_id, day__gte=start).values_list(
                "day", flat=True
            )
        )
        rows = [
            BedDay(
                person_id=stay.person_id,
                institution_id=stay.institution_id,
                stay=stay,
                region_code=stay.region_code,
                day=day,
                kind=BedDayKind.IN_BED,
            )
            for day in _stay_days(stay, through)
            if day >= start and day not in have
        ]
        BedDay.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    return created


def stay_admit(
    *, actor, person_id: int, admitted_on, bed_number: str = "", today: dt.date | None = None
) -> Stay:
    """入住: a resident admitted for institutional care; in-bed days start from this day."""
    institution = _own_institution(actor, Right.VISITS_BED_DAYS)
    day = _day(admitted_on, "admitted_on", "入住日期")
    today = today or clock.today()
    if day > today:
        raise field_error("admitted_on", "date_in_future", "入住日期不能晚于今天")
    answer = eligibility.answer(check_in_facts(person_id=person_id, day=day).facts, day)
    if answer.care_mode != "institutional" or answer.institution_id != institution.pk:
        raise Conflict(
            f"该参保人{day}没有在本机构机构照护的待遇安排", code="not_institutional_beneficiary"
        )
    person = Person.objects.get(pk=person_id)
    with transaction.atomic():
        if Stay.objects.filter(person_id=person_id, discharged_on__isnull=True).exists():
            raise Conflict("该参保人已在院，请先办理出院", code="stay_open")
        if Stay.objects.filter(person_id=person_id, discharged_on__gt=day).exists():
            raise Conflict("入住日期与以前的入住记录重叠", code="stay_overlap")
        stay = Stay.objects.create(
            person=person,
            institution=institution,
            region_code=person.region_code,
            admitted_on=day,
            bed_number=(bed_number or "")[:20],
            recorded_by=actor,
        )
        bed_days_fill(through=today, institution_id=institution.pk)
        audit.record(action="create", obj=stay, user=actor, note=f"入住{day}")
    return stay


def stay_discharge(*, actor, stay_id: int, discharged_on, today: dt.date | None = None) -> Stay:
    """出院: the discharge day and later are no longer bed-days."""
    institution = _own_institution(actor, Right.VISITS_BED_DAYS)
    day = _day(discharged_on, "discharged_on", "出院日期")
    today = today or clock.today()
    with transaction.atomic():
        stay = get_scoped(Stay.objects.select_for_update(), actor, pk=stay_id)
        if stay.institution_id != institution.pk:
            raise NotFound()
        if stay.discharged_on is not None:
            raise Conflict("该入住记录已办理出院", code="stay_closed")
        if day < stay.admitted_on:
            raise field_error("discharged_on", "date_order", "出院日期不能早于入住日期")
        if day > today:
            raise field_error("discharged_on", "date_in_future", "出院日期不能晚于今天")
        stay.discharged_on = day
        stay.save(update_fields=["discharged_on"])
        kept = set(_stay_days(stay, day))
        later = BedDay.objects.filter(stay=stay).exclude(day__in=kept)
        later.filter(findings__isnull=True).delete()
        later.update(payable=False)
        audit.record(action="update", obj=stay, user=actor, note=f"出院{day}")
    return stay


def bed_days_mark(
    *, actor, person_id: int, first, last, kind: str, today: dt.date | None = None
) -> int:
    """Mark days of a stay as leave, transfer to hospital, or back in bed."""
    institution = _own_institution(actor, Right.VISITS_BED_DAYS)
    if kind not in BedDayKind.values:
        raise field_error("kind", "kind_invalid", "类别应为在床、请假离院或转院住院")
    start, end = _day(first, "first", "起始日"), _day(last, "last", "截止日")
    today = today or clock.today()
    if end < start:
        raise field_error("last", "date_order", "截止日不能早于起始日")
    if end > today:
        raise field_error("last", "date_in_future", "不能登记今天以后的床日")
    with transaction.atomic():
        stay = (
            Stay.objects.filter(
                person_id=person_id, institution=institution, admitted_on__lte=start
            )
            .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=end))
            .first()
        )
        if stay is None:
            raise Conflict("所选日期不在本机构的入住期间内", code="no_stay")
        bed_days_fill(through=today, institution_id=institution.pk)
        changed = BedDay.objects.filter(
            person_id=person_id, stay=stay, day__gte=start, day__lte=end
        ).update(kind=kind)
        audit.record(
            action="update",
            obj=stay,
            user=actor,
            note=f"{start}至{end}登记为{BedDayKind(kind).label}（{changed}天）",
        )
    return changed
