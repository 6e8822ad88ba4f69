"""What a check-in needs to know, read in one round trip.

``care.selectors.eligibility_on`` answers "was this person eligible on this day" in five
queries. The check-in is the hottest write path of the product, so this adapter reads the same
facts (the person, the caregiver's assignment, arrangements with their entitlements, hospital
stays, pauses, enrolments, and the photo referenced) in a single ``UNION ALL`` and hands them to
care's pure ``eligibility.answer``, so the decision itself stays care's. A test checks that the
two agree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import connection

from changhu.care import eligibility
from changhu.care.models import Arrangement, Assignment, Entitlement, Pause
from changhu.core.db import prepared_statements
from changhu.insured.models import EnrolmentPeriod, LifeEvent, LifeEventKind, Person
from changhu.providers.models import Caregiver
from changhu.visits.models import Photo, Visit


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _float(value) -> float | None:
    if value is None:
        return None
    return float(value)


@dataclass
class CaregiverFacts:
    id: int
    institution_id: int
    hired_on: dt.date
    left_on: dt.date | None
    kind: str
    status: str
    beneficiary_id: int | None


@dataclass
class CheckInFacts:
    caregiver: CaregiverFacts | None = None
    existing_visit_id: int | None = None
    existing_caregiver_id: int | None = None
    person_id: int | None = None
    region_code: str = ""
    home: tuple[float, float] | None = None
    assigned: bool = False
    photo_id: int | None = None
    facts: eligibility.Facts = field(default_factory=eligibility.Facts)


def _sql() -> str:
    # Every branch has the columns: kind, id1, id2, d1, d2, d3, d4, d5, txt, num1, num2, flag;
    # the first one names their types, as PostgreSQL resolves a UNION's types from the left.
    return f"""
SELECT 'p', id, CAST(NULL AS BIGINT), died_on, CAST(NULL AS DATE), CAST(NULL AS DATE),
       CAST(NULL AS DATE), CAST(NULL AS DATE), region_code, CAST(latitude AS NUMERIC),
       CAST(longitude AS NUMERIC), CAST(NULL AS BOOLEAN)
  FROM {_t(Person)} WHERE id = %(person)s
UNION ALL
SELECT 'c', id, institution_id, hired_on, left_on, NULL, NULL, NULL, kind || ':' || status,
       beneficiary_id, NULL, NULL
  FROM {_t(Caregiver)} WHERE user_id = %(user)s
UNION ALL
SELECT 'v', id, caregiver_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {_t(Visit)} WHERE client_uuid = %(uuid)s
UNION ALL
SELECT 'g', id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {_t(Assignment)}
 WHERE person_id = %(person)s
   AND caregiver_id = (SELECT id FROM {_t(Caregiver)} WHERE user_id = %(user)s)
   AND start_date <= %(day)s AND (end_date IS NULL OR end_date >= %(day)s)
UNION ALL
SELECT 'a', a.institution_id, a.entitlement_id, a.start_date, a.end_date, e.valid_from,
       e.valid_until, e.end_date, a.care_mode, e.grade, NULL, a.social_support
  FROM {_t(Arrangement)} a JOIN {_t(Entitlement)} e ON e.id = a.entitlement_id
 WHERE a.person_id = %(person)s AND a.start_date <= %(day)s
   AND (a.end_date IS NULL OR a.end_date >= %(day)s)
UNION ALL
SELECT 'h', NULL, NULL, start_date, end_date, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {_t(LifeEvent)}
 WHERE person_id = %(person)s AND kind = %(hospital)s AND start_date <= %(day)s
   AND (end_date IS NULL OR end_date >= %(day)s)
UNION ALL
SELECT 'z', NULL, NULL, start_date, end_date, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {_t(Pause)}
 WHERE person_id = %(person)s AND start_date <= %(day)s
   AND (end_date IS NULL OR end_date >= %(day)s)
UNION ALL
SELECT 'e', NULL, NULL, start_date, end_date, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {_t(EnrolmentPeriod)}
 WHERE person_id = %(person)s AND start_date <= %(day)s
   AND (end_date IS NULL OR end_date >= %(day)s)
UNION ALL
SELECT 'f', id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {_t(Photo)} WHERE sha256 = %(photo)s
"""


def check_in_facts(
    *,
    person_id: int,
    day: dt.date,
    user_id: int | None = None,
    photo_sha256: str = "",
    client_uuid: uuid.UUID | None = None,
) -> CheckInFacts:
    """Everything a check-in decides on, for the caregiver who is user ``user_id``."""
    out = CheckInFacts()
    periods, stays, pauses, enrolments = [], [], [], []
    died_on = None
    uuid_field = Visit._meta.get_field("client_uuid")
    params = {
        "person": int(person_id),
        "user": int(user_id or 0),
        "uuid": uuid_field.get_db_prep_value(client_uuid or uuid.UUID(int=0), connection),
        "day": day,
        "hospital": LifeEventKind.HOSPITAL_STAY.value,
        "photo": photo_sha256 or "-",
    }
    with prepared_statements(), connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        rows = cursor.fetchall()
    for kind, id1, id2, d1, d2, d3, d4, d5, txt, num1, num2, flag in rows:
        if kind == "p":
            out.person_id = int(id1)
            out.region_code = txt or ""
            died_on = _date(d1)
            if num1 is not None and num2 is not None:
                out.home = (_float(num1), _float(num2))
        elif kind == "c":
            kind_code, _, status = (txt or "").partition(":")
            out.caregiver = CaregiverFacts(
                id=int(id1),
                institution_id=int(id2),
                hired_on=_date(d1),
                left_on=_date(d2),
                kind=kind_code,
                status=status,
                beneficiary_id=int(num1) if num1 is not None else None,
            )
        elif kind == "v":
            out.existing_visit_id, out.existing_caregiver_id = int(id1), int(id2)
        elif kind == "g":
            out.assigned = True
        elif kind == "a":
            e_end, e_until = _date(d5), _date(d4)
            period = eligibility.care_period(
                arrangement_start=_date(d1),
                arrangement_end=_date(d2),
                entitlement_start=_date(d3),
                entitlement_last=min(e_end, e_until) if e_end else e_until,
                entitlement_id=int(id2),
                grade=int(num1),
                care_mode=txt,
                institution_id=int(id1),
                social_support=bool(flag),
            )
            if period is not None:
                periods.append(period)
        elif kind == "h":
            stays.append(eligibility.Span(_date(d1), _date(d2)))
        elif kind == "z":
            pauses.append(eligibility.Span(_date(d1), _date(d2)))
        elif kind == "e":
            enrolments.append(eligibility.Span(_date(d1), _date(d2)))
        elif kind == "f":
            out.photo_id = int(id1)
    out.facts = eligibility.Facts(
        periods=tuple(sorted(periods, key=lambda p: p.start)),
        hospital_stays=tuple(stays),
        pauses=tuple(pauses),
        enrolments=tuple(enrolments),
        died_on=died_on,
    )
    return out
