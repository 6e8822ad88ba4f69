"""Assessment institutions' and insurers' scorecards, against hand-counted rows."""

from __future__ import annotations

from decimal import Decimal

from changhu.assessment.models import Conclusion
from changhu.core import clock
from changhu.scorecards import compute, periods
from tests.factories import make_conclusion, make_person


def _indicators(run, org) -> dict:
    return {i.code: i for i in run.cards.get(organization=org).indicators.all()}


def test_an_assessment_institution_this_quarter(orgs, city):
    today = clock.today()
    first = make_conclusion(make_person(city.streets["510104001000"]), valid_from=today)
    appeal = make_conclusion(first.person, kind="appeal", previous=first, grade=3, valid_from=today)
    Conclusion.objects.filter(pk=appeal.pk).update(grade_changed=True)
    second = make_conclusion(make_person(city.streets["510104002000"]), valid_from=today)
    spot = make_conclusion(second.person, kind="spot_check", previous=second, valid_from=today)
    Conclusion.objects.filter(pk=spot.pk).update(grade_changed=False)
    quarter = periods.parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    run = compute.compute_run(kind="assessment-institution", period=quarter.key)
    got = _indicators(run, orgs.assessment)
    on_time = got["assessments_on_time"]
    assert (on_time.numerator, on_time.denominator, on_time.points) == (4, 4, Decimal("30.00"))
    changed = got["appeal_grade_changed"]  # 1 appeal changed the grade of 4 conclusions issued
    assert (changed.numerator, changed.denominator, changed.value) == (1, 4, Decimal("25.00"))
    assert changed.points == Decimal("0.00")
    consistent = got["reassessment_consistency"]
    assert (consistent.numerator, consistent.denominator, consistent.value) == (
        1,
        1,
        Decimal("100.00"),
    )
    assert got["objections_upheld"].value is None  # no objection: full points
    assert got["complaints"].formula == "manual" and got["complaints"].points == 0


def test_insurers_are_credited_with_their_districts(scored, orgs):
    """One complaint about the Jinjiang institution was due for a reply in the quarter and was
    not answered: insurer A (Jinjiang, Qingyang) is late on it; insurer B (Wuhou) had none."""
    run = compute.compute_run(kind="insurer", period=scored.quarter.key)
    a = _indicators(run, orgs.insurer_a)["complaints_answered_on_time"]
    assert (a.numerator, a.denominator, a.value, a.points) == (
        0,
        1,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    b = _indicators(run, orgs.insurer_b)["complaints_answered_on_time"]
    assert (b.numerator, b.denominator, b.value, b.points) == (0, 0, None, Decimal("25.00"))
    assert {c.organization for c in run.cards.all()} == {orgs.insurer_a, orgs.insurer_b}
