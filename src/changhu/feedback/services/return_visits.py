"""Return visits: the monthly risk-weighted draw and the scripted call."""

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from changhu.core import audit, clock, months
from changhu.core.errors import field_error
from changhu.core.scope import get_scoped, require, scoped
from changhu.core.transitions import apply
from changhu.feedback import questionnaires
from changhu.feedback.models import (
    Complaint,
    ReturnVisit,
    ReturnVisitDraw,
    SurveyChannel,
    SurveyResponse,
)
from changhu.feedback.services._common import (
    _R,
    RETURN_VISIT_FLOW,
    _text,
    person_visits,
    served_by,
)
from changhu.insured.models import Person
from changhu.orgs.roles import Right
from changhu.providers.models import Institution
from changhu.visits import services as visit_services
from changhu.visits.models import BedDay, Finding, FindingStatus, Visit, VisitStatus

# --- return visits: the monthly draw --------------------------------------------------------


def _population(institution_id: int, first: dt.date, last: dt.date) -> list[int]:
    visited = Visit.objects.filter(
        institution_id=institution_id, service_date__gte=first, service_date__lte=last
    ).exclude(status=VisitStatus.CANCELLED)
    stayed = BedDay.objects.filter(institution_id=institution_id, day__gte=first, day__lte=last)
    ids = set(visited.values_list("person_id", flat=True))
    ids |= set(stayed.values_list("person_id", flat=True))
    return sorted(ids)


def risk_weights(person_ids: list[int], institution_id: int, last: dt.date) -> dict[int, int]:
    """1, plus 2 per open finding of the person, plus 3 per complaint about their care in the
    last 90 days: the riskier, the likelier to be drawn."""
    findings = Counter(
        Finding.objects.filter(person_id__in=person_ids, status=FindingStatus.OPEN).values_list(
            "person_id", flat=True
        )
    )
    since = timezone.make_aware(dt.datetime.combine(last - dt.timedelta(days=90), dt.time()))
    complaints = Counter(
        Complaint.objects.filter(person_id__in=person_ids, received_at__gte=since).values_list(
            "person_id", flat=True
        )
    )
    return {p: 1 + 2 * findings[p] + 3 * complaints[p] for p in person_ids}


def weighted_sample(weights: dict[int, int], k: int, seed: str) -> list[int]:
    """``k`` keys drawn without replacement, each with probability growing with its weight
    (Efraimidis–Spirakis: the k largest u^(1/w)); the same seed gives the same draw."""
    rng = random.Random(seed)
    keyed = [(rng.random() ** (1.0 / weights[p]), p) for p in sorted(weights)]
    keyed.sort(reverse=True)
    return sorted(p for _, p in keyed[:k])


def draw_size(population: int, share: float, minimum: int) -> int:
    return min(population, max(minimum, math.ceil(population * share - 1e-9)))


def return_visits_draw(
    *, actor, period: str, institution_ids: list[int] | None = None, seed: str | None = None
) -> list[ReturnVisitDraw]:
    """Draw a month's return visits for each institution in scope that served anyone that
    month. An institution already drawn for the month keeps its draw (the same list)."""
    s = require(actor, Right.FEEDBACK_DRAW) if actor is not None else None
    period = visit_services.period_of(period)
    first, last = months.bounds(period)
    if first > clock.today():
        raise field_error("period", "period_in_future", "不能抽取尚未开始的月份")
    institutions = Institution.objects.all()
    if s is not None:
        institutions = scoped(institutions, actor)
    if institution_ids:
        institutions = institutions.filter(pk__in=institution_ids)
    seed = seed or settings.RETURN_VISIT_SEED
    share = float(settings.RETURN_VISIT_SHARE)
    minimum = int(settings.RETURN_VISIT_MINIMUM)
    draws = []
    for institution in institutions.order_by("pk"):
        existing = ReturnVisitDraw.objects.filter(period=period, institution=institution).first()
        if existing is not None:
            draws.append(existing)
            continue
        population = _population(institution.pk, first, last)
        if not population:
            continue
        weights = risk_weights(population, institution.pk, last)
        k = draw_size(len(population), share, minimum)
        draw_seed = f"{seed}:{period}:{institution.pk}"
        chosen = weighted_sample(weights, k, draw_seed)
        persons = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "region_code"))
        with transaction.atomic():
            try:
                with transaction.atomic():
                    draw = ReturnVisitDraw.objects.create(
                        period=period,
                        institution=institution,
                        region_code=institution.region_code,
                        seed=draw_seed[:80],
                        share=Decimal(str(share)).quantize(Decimal("0.0001")),
                        minimum=minimum,
                        population=len(population),
                        drawn=len(chosen),
                        drawn_by=actor,
                    )
            except IntegrityError:
                draws.append(ReturnVisitDraw.objects.get(period=period, institution=institution))
                continue
            ReturnVisit.objects.bulk_create(
                ReturnVisit(
                    draw=draw,
                    period=period,
                    person_id=p,
                    institution=institution,
                    region_code=institution.region_code or persons.get(p, ""),
                    weight=weights[p],
                )
                for p in chosen
            )
            audit.record(
                action="create",
                obj=draw,
                user=actor,
                note=f"抽取{period}回访{len(chosen)}人（服务对象{len(population)}人）",
            )
        draws.append(draw)
    return draws


# --- return visits: the call ----------------------------------------------------------------


@dataclass
class CallInput:
    outcome: str
    answers: dict[str, object] = field(default_factory=dict)
    survey: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    note: str = ""
    discrepancy_visit_ids: list[int] = field(default_factory=list)
    discrepancy_note: str = ""


def _script_answers(script, answers: dict) -> dict:
    out = {}
    for q in questionnaires.questions(script):
        value = answers.get(q["code"])
        if q["type"] == "text":
            out[q["code"]] = _text(str(value or ""), q["code"], limit=300)
            continue
        if q["type"] == "yes_no":
            if isinstance(value, str):
                value = {"yes": True, "true": True, "no": False, "false": False}.get(value)
            if not isinstance(value, bool):
                raise field_error(
                    f"answers.{q['code']}", "answer_required", f"请记录回答：{q['text'][:20]}"
                )
        elif q["type"] == "choice" and value not in q["options"]:
            raise field_error(
                f"answers.{q['code']}", "answer_required", f"请记录回答：{q['text'][:20]}"
            )
        out[q["code"]] = value
    return out


def discrepancies(script, answers: dict) -> list[str]:
    """The questions whose answer reveals that the service was not as recorded."""
    return [
        q["code"]
        for q in questionnaires.questions(script)
        if "discrepancy_when" in q and answers.get(q["code"]) == q["discrepancy_when"]
    ]


def _survey_scores(survey_q, answers: dict) -> tuple[dict, dict[str, int]]:
    scores: dict[str, int] = {}
    totals = {
        "institution_points": 0,
        "institution_items": 0,
        "caregiver_points": 0,
        "caregiver_items": 0,
    }
    for q in questionnaires.questions(survey_q):
        value = answers.get(q["code"])
        if value in (None, ""):
            raise field_error(
                f"survey.{q['code']}", "score_required", f"请为“{q['text'][:20]}”评分"
            )
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise field_error(f"survey.{q['code']}", "score_invalid", "评分应为1至5分")
        scores[q["code"]] = score
        totals[f"{q['target']}_points"] += score
        totals[f"{q['target']}_items"] += 1
    return scores, totals


def _survey_create(
    *,
    actor,
    person,
    institution_id,
    caregiver_id,
    channel,
    answers,
    comment,
    period,
    return_visit=None,
) -> SurveyResponse:
    survey_q = questionnaires.in_force(questionnaires.SATISFACTION, clock.today())
    scores, totals = _survey_scores(survey_q, answers)
    if caregiver_id is None:
        totals["caregiver_points"] = totals["caregiver_items"] = 0
    institution = Institution.objects.get(pk=institution_id)
    response = SurveyResponse.objects.create(
        questionnaire=survey_q,
        channel=channel,
        person=person,
        institution=institution,
        caregiver_id=caregiver_id,
        return_visit=return_visit,
        region_code=institution.region_code or person.region_code,
        period=period,
        answers=scores,
        comment=_text(comment, "comment", limit=500),
        recorded_by=actor,
        **totals,
    )
    audit.record(
        action="create",
        obj=response,
        user=actor,
        note=f"{response.get_channel_display()}满意度调查",
    )
    return response


def return_visit_record(*, actor, return_visit_id: int, data: CallInput) -> ReturnVisit:
    """Record a call: its outcome; when reached, the answers to the script and the survey; a
    discrepancy opens findings on the visits the person named (from that month's visits)."""
    require(actor, Right.FEEDBACK_HANDLE)
    if data.outcome not in RETURN_VISIT_FLOW.transitions:
        raise field_error("outcome", "outcome_invalid", "请选择回访结果")
    with transaction.atomic():
        rv = get_scoped(ReturnVisit.objects.select_for_update(), actor, pk=return_visit_id)
        updates: dict[str, object] = {
            "called_by": actor,
            "called_at": clock.now(),
            "note": _text(data.note, "note", limit=500),
        }
        wanted = sorted({int(v) for v in data.discrepancy_visit_ids or []})
        if data.outcome == _R.REACHED:
            script = questionnaires.in_force(questionnaires.RETURN_VISIT, clock.today())
            answers = _script_answers(script, data.answers)
            flagged = discrepancies(script, answers)
            updates.update(script_version=script.version, answers=answers)
            if wanted:
                first, last = months.bounds(rv.period)
                mine = set(
                    person_visits(rv.person_id, first=first, last=last)
                    .filter(institution_id=rv.institution_id)
                    .values_list("pk", flat=True)
                )
                if not set(wanted) <= mine:
                    raise field_error(
                        "discrepancy_visit_ids",
                        "visit_not_found",
                        "请从该参保人当月的服务记录中选择",
                    )
                note = _text(
                    data.discrepancy_note,
                    "discrepancy_note",
                    required="请写明服务不实的情况",
                    limit=500,
                )
                updates["discrepancy"] = note
            elif flagged and data.discrepancy_note.strip():
                updates["discrepancy"] = _text(data.discrepancy_note, "discrepancy_note", limit=500)
        elif wanted or data.survey:
            raise field_error("outcome", "outcome_not_reached", "未接通或拒绝回访时不能记录回答")
        apply(
            RETURN_VISIT_FLOW,
            rv,
            data.outcome,
            actor=actor,
            reason=updates["note"] or RETURN_VISIT_FLOW.label(data.outcome),
            extra_updates=updates,
        )
        if data.outcome == _R.REACHED and data.survey:
            first, last = months.bounds(rv.period)
            served = [
                r
                for r in served_by(rv.person_id, since=first, until=last)
                if r["institution_id"] == rv.institution_id
            ]
            _survey_create(
                actor=actor,
                person=rv.person,
                institution_id=rv.institution_id,
                caregiver_id=served[0]["caregiver_id"] if served else None,
                channel=SurveyChannel.RETURN_VISIT,
                answers=data.survey,
                comment=data.comment,
                period=rv.period,
                return_visit=rv,
            )
        if wanted:
            visit_services.finding_raise(
                actor=actor,
                visit_ids=wanted,
                rule_code="return_visit_discrepancy",
                note=updates["discrepancy"],
                source=f"{rv.period}回访",
            )
    return rv
