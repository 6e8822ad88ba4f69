"""One person's month from the database, the row-by-row way, for the policy interpreter.

The SQL settlement (``compute``) is the production path; this builds the same
:class:`~changhu.settlement.policy.PersonMonth` through ``care.selectors.eligibility_calendar``
and the visits selectors, so the tests can check that both give the same lines, and the claim
page can show a person's month as the interpreter sees it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from changhu.care import selectors as care_selectors
from changhu.core.months import bounds as month_bounds
from changhu.settlement import policy as rules
from changhu.settlement.models import InstitutionTariff
from changhu.visits import selectors as visit_selectors


def _tariffs(institution_ids: set[int]) -> dict[int, list[InstitutionTariff]]:
    out: dict[int, list[InstitutionTariff]] = defaultdict(list)
    for t in InstitutionTariff.objects.filter(institution_id__in=institution_ids).order_by(
        "valid_from"
    ):
        out[t.institution_id].append(t)
    return out


def _tariff_on(rows: list[InstitutionTariff], day: dt.date) -> tuple[str, int]:
    current = ("", 0)
    for t in rows:
        if t.valid_from <= day:
            current = (t.institution_class, t.bed_day_fen)
    return current


def person_months(person_ids: list[int], month: str) -> dict[int, rules.PersonMonth]:
    """The eligible days and daily costs of each person's month."""
    first, last = month_bounds(month)
    calendars = care_selectors.eligibility_calendar(person_ids, month)
    institutions = {
        a.institution_id for days in calendars.values() for a in days if a.institution_id
    }
    tariffs = _tariffs(institutions)
    costs: dict[int, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    items = (
        visit_selectors.settlement_visit_items(month)
        .filter(visit__person_id__in=person_ids)
        .values(
            "visit__person_id",
            "visit__institution_id",
            "visit__service_date",
            "item__unit_price_fen",
            "item__fund_covered",
            "quantity",
            "item__category__kind",
        )
    )
    for row in items:
        kind = "social_support" if row["item__category__kind"] == "social_support" else "services"
        key = (row["visit__institution_id"], row["visit__service_date"])
        amount = row["item__unit_price_fen"] * row["quantity"] if row["item__fund_covered"] else 0
        slot = costs[row["visit__person_id"]][kind]
        slot[key] = slot.get(key, 0) + amount
    beds = visit_selectors.settlement_bed_days(month).filter(
        person_id__in=person_ids, kind="in_bed"
    )
    for row in beds:
        rows = tariffs.get(row["institution_id"]) or _tariffs({row["institution_id"]}).get(
            row["institution_id"], []
        )
        _, charge = _tariff_on(rows, row["day"])
        costs[row["person_id"]]["bed_days"][(row["institution_id"], row["day"])] = charge
    out = {}
    for pid in person_ids:
        days = []
        for answer in calendars.get(pid, []):
            if not answer.eligible:
                continue
            cls, _ = _tariff_on(tariffs.get(answer.institution_id, []), answer.day)
            days.append(
                rules.DayFact(
                    answer.day, answer.grade, answer.care_mode, answer.institution_id, cls
                )
            )
        out[pid] = rules.PersonMonth(
            first, last, tuple(days), {k: dict(v) for k, v in costs[pid].items()}
        )
    return out
