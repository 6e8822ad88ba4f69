"""Every read of complaints, return visits and surveys, narrowed to the reader's scope.

Institutions see the rows about themselves; insurers and the bureau their regions; an applicant
the complaints they made and the surveys of the persons they act for; anyone else nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q, QuerySet, Sum

from changhu.core import clock, scope
from changhu.core.db import filter_given
from changhu.feedback.models import (
    Complaint,
    ComplaintStatus,
    ReturnVisit,
    ReturnVisitDraw,
    ReturnVisitStatus,
    SurveyResponse,
)
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right

OPEN_STATES = (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ESCALATED)


def _staff(queryset: QuerySet, s: scope.Scope) -> QuerySet | None:
    if not s.can(Right.FEEDBACK_VIEW):
        return None
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(institution__organization_id=s.organization_id)
    return queryset.filter(s.region_q("region_code"))


@scope.register(Complaint)
def _complaint_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    staff = _staff(queryset, s)
    if staff is not None:
        return staff
    if s.can(Right.INSURED_SELF):
        return queryset.filter(submitted_by_id=s.user_id, channel="family")
    return queryset.none()


@scope.register(ReturnVisit, ReturnVisitDraw)
def _return_visit_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    staff = _staff(queryset, s)
    return staff if staff is not None else queryset.none()


@scope.register(SurveyResponse)
def _survey_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    staff = _staff(queryset, s)
    if staff is not None:
        return staff
    if s.can(Right.INSURED_SELF):
        return queryset.filter(person__applicants__user_id=s.user_id, channel="family")
    return queryset.none()


# --- complaints -----------------------------------------------------------------------------


@dataclass
class ComplaintFilters:
    status: str = ""
    category: str = ""
    channel: str = ""
    institution_id: int | None = None
    overdue: bool = False
    q: str = ""  # the complaint's number


def complaint_list(*, fetched_by, filters: ComplaintFilters | None = None) -> QuerySet:
    f = filters or ComplaintFilters()
    qs = scope.scoped(Complaint.objects.all(), fetched_by).select_related(
        "institution__organization", "caregiver", "person", "handler"
    )
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_STATES)
    elif f.status:
        qs = qs.filter(status=f.status)
    qs = filter_given(
        qs,
        category=f.category,
        channel=f.channel,
        institution_id=f.institution_id,
        number__icontains=f.q.strip(),
    )
    if f.overdue:
        qs = qs.filter(_overdue_q())
    return qs


def _overdue_q() -> Q:
    today = clock.today()
    return Q(status=ComplaintStatus.RECEIVED, ack_due__lt=today) | Q(
        status__in=(ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ESCALATED),
        reply_due__lt=today,
    )


def _due_today_q() -> Q:
    today = clock.today()
    return Q(status=ComplaintStatus.RECEIVED, ack_due=today) | Q(
        status__in=(ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ESCALATED), reply_due=today
    )


def complaint_get(*, fetched_by, complaint_id: int) -> Complaint:
    return scope.get_scoped(
        Complaint.objects.select_related(
            "institution__organization", "caregiver", "person", "handler", "replied_by"
        ),
        fetched_by,
        pk=complaint_id,
    )


def is_overdue(complaint: Complaint) -> bool:
    today = clock.today()
    if complaint.status == ComplaintStatus.RECEIVED:
        return complaint.ack_due < today
    if complaint.status in (ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ESCALATED):
        return complaint.reply_due < today
    return False


def open_complaints(user) -> QuerySet:
    return scope.scoped(Complaint.objects.filter(status__in=OPEN_STATES), user)


def open_complaints_count(user) -> int:
    return open_complaints(user).count()


def overdue_complaints_count(user) -> int:
    return open_complaints(user).filter(_overdue_q()).count()


def due_today_complaints_count(user) -> int:
    return open_complaints(user).filter(_due_today_q()).count()


def awaiting_satisfaction_count(user) -> int:
    """Replied complaints whose complainant has not said how satisfied they are."""
    return scope.scoped(Complaint.objects.filter(status=ComplaintStatus.REPLIED), user).count()


RISK_LOOKBACK_DAYS = 90


def complaint_counts(field: str):
    """A counter of complaints received in the 90 days up to a day, per institution
    (``field="institution_id"``) or per person: a source of risk for sampling."""

    def count(ids: list[int], day) -> dict[int, int]:
        since = day - dt.timedelta(days=RISK_LOOKBACK_DAYS)
        rows = Complaint.objects.filter(
            **{f"{field}__in": ids},
            received_at__date__gte=since,
            received_at__date__lte=day,
        )
        return dict(rows.values(field).annotate(n=Count("pk")).values_list(field, "n"))

    return count


def public_institutions() -> list[tuple[str, str]]:
    """The active designated institutions, by name: what the public complaint form lists
    (their names are public; nothing else about them is shown)."""
    from changhu.providers.models import Institution

    rows = Institution.objects.filter(status="active").select_related("organization")
    return [(str(i.pk), i.organization.name) for i in rows.order_by("organization__name", "pk")]


# --- return visits --------------------------------------------------------------------------


@dataclass
class ReturnVisitFilters:
    period: str = ""
    status: str = ""
    institution_id: int | None = None


def return_visit_list(*, fetched_by, filters: ReturnVisitFilters | None = None) -> QuerySet:
    f = filters or ReturnVisitFilters()
    qs = scope.scoped(ReturnVisit.objects.all(), fetched_by).select_related(
        "person", "institution__organization", "called_by"
    )
    qs = filter_given(qs, period=f.period, status=f.status, institution_id=f.institution_id)
    return qs.order_by("-period", "institution__organization__name", "person__name", "pk")


def return_visit_get(*, fetched_by, return_visit_id: int) -> ReturnVisit:
    return scope.get_scoped(
        ReturnVisit.objects.select_related("person", "institution__organization", "draw"),
        fetched_by,
        pk=return_visit_id,
    )


def pending_return_visits_count(user) -> int:
    return scope.scoped(ReturnVisit.objects.filter(status=ReturnVisitStatus.PENDING), user).count()


def draw_summary(*, fetched_by, period: str) -> list[dict]:
    """Per institution: drawn, called, and each outcome, for the month."""
    qs = scope.scoped(ReturnVisit.objects.filter(period=period), fetched_by)
    return list(
        qs.values("institution_id", name=F("institution__organization__name"))
        .annotate(
            drawn=Count("pk"),
            pending=Count("pk", filter=Q(status=ReturnVisitStatus.PENDING)),
            reached=Count("pk", filter=Q(status=ReturnVisitStatus.REACHED)),
            not_reached=Count("pk", filter=Q(status=ReturnVisitStatus.NOT_REACHED)),
            refused=Count("pk", filter=Q(status=ReturnVisitStatus.REFUSED)),
        )
        .order_by("name")
    )


# --- surveys --------------------------------------------------------------------------------


@dataclass
class SurveyFilters:
    period: str = ""
    channel: str = ""
    institution_id: int | None = None


def survey_list(*, fetched_by, filters: SurveyFilters | None = None) -> QuerySet:
    f = filters or SurveyFilters()
    qs = scope.scoped(SurveyResponse.objects.all(), fetched_by).select_related(
        "person", "institution__organization", "caregiver", "questionnaire"
    )
    qs = filter_given(qs, period=f.period, channel=f.channel, institution_id=f.institution_id)
    return qs


@dataclass(frozen=True)
class Score:
    """A satisfaction score on the 1–5 scale: the mean of the scored answers."""

    responses: int
    items: int
    points: int

    @property
    def average(self) -> float | None:
        return round(self.points / self.items, 2) if self.items else None

    @property
    def percent(self) -> float | None:
        """The share of the full score, 0–100 (for the scorecards)."""
        return round(self.points * 100 / (self.items * 5), 1) if self.items else None


def satisfaction_scores(
    *,
    period: str,
    institution=None,
    caregiver=None,
    fetched_by=None,
) -> Score:
    """The satisfaction score of one institution or one caregiver in a month (``YYYY-MM``),
    from every channel (return visits, family pages, paper forms). With ``fetched_by``, only
    the responses that reader may see count."""
    if (institution is None) == (caregiver is None):
        raise ValueError("satisfaction_scores needs an institution or a caregiver")
    qs = SurveyResponse.objects.filter(period=period)
    if fetched_by is not None:
        qs = scope.scoped(qs, fetched_by)
    if institution is not None:
        qs = qs.filter(institution=institution)
        fields = ("institution_points", "institution_items")
    else:
        qs = qs.filter(caregiver=caregiver)
        fields = ("caregiver_points", "caregiver_items")
    totals = qs.filter(**{f"{fields[1]}__gt": 0}).aggregate(
        n=Count("pk"), points=Sum(fields[0]), items=Sum(fields[1])
    )
    return Score(totals["n"] or 0, totals["items"] or 0, totals["points"] or 0)


def score_table(*, fetched_by, period: str, by: str) -> list[dict]:
    """Scores of the month per institution (``by="institution"``) or caregiver, in scope."""
    qs = scope.scoped(SurveyResponse.objects.filter(period=period), fetched_by)
    if by == "caregiver":
        rows = (
            qs.filter(caregiver__isnull=False, caregiver_items__gt=0)
            .values("caregiver_id", name=F("caregiver__name"))
            .annotate(
                institution=F("institution__organization__name"),
                responses=Count("pk"),
                points=Sum("caregiver_points"),
                items=Sum("caregiver_items"),
            )
        )
    else:
        rows = (
            qs.filter(institution_items__gt=0)
            .values("institution_id", name=F("institution__organization__name"))
            .annotate(
                responses=Count("pk"),
                points=Sum("institution_points"),
                items=Sum("institution_items"),
            )
        )
    out = []
    for row in rows:
        score = Score(row["responses"], row["items"], row["points"])
        out.append({**row, "average": score.average, "percent": score.percent})
    return sorted(out, key=lambda r: (r["average"] or 0, r["name"]))


def complaint_satisfaction(*, fetched_by) -> float | None:
    """The mean satisfaction of closed complaints in scope."""
    return (
        scope.scoped(Complaint.objects.filter(satisfaction__isnull=False), fetched_by)
        .aggregate(avg=Avg("satisfaction"))
        .get("avg")
    )
