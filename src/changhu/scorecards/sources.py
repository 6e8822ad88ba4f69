"""Where each computed indicator's numbers come from: one aggregate query per indicator over
every organization in scope (never a query per organization), and the rows behind a number for
the drill-down.

Each :class:`Source` gives, for a set of organizations and a period, ``{organization id:
(numerator, denominator)}``; ``rows`` is the unscoped queryset of the rows behind one
organization's number (the caller narrows it to the viewer's scope) and ``counted`` says which of
them make the numerator. This module reads other apps' tables and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from changhu.core import clock
from changhu.scorecards.periods import Period

Counts = dict[int, tuple[int, int]]


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


@dataclass(frozen=True)
class Source:
    aggregate: Callable[[list, Period], Counts]
    rows: Callable[[object, Period], QuerySet]
    counted: Callable[[object], bool]
    columns: tuple[tuple[str, Callable[[object], object]], ...]
    label: str  # what a drill-down row is, in Chinese


def _merge(numerators: Iterable[tuple[int, int]], denominators: Iterable[tuple[int, int]]):
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for key, n in denominators:
        out[key][1] += n or 0
    for key, n in numerators:
        out[key][0] += n or 0
    return {key: (n, d) for key, (n, d) in out.items()}


def _by_org(counts: dict[int, tuple[int, int]], org_of: dict[int, int]) -> Counts:
    """Counts keyed by institution id, re-keyed by organization id."""
    return {org_of[key]: value for key, value in counts.items() if key in org_of}


def _institutions(orgs: list) -> dict[int, int]:
    """Institution id → organization id of the care organizations."""
    from changhu.providers.models import Institution

    rows = Institution.objects.filter(organization__in=[o.pk for o in orgs])
    return dict(rows.values_list("pk", "organization_id"))


def _grouped(qs: QuerySet, field: str, numerator: Q, denominator: Q | None = None):
    """One GROUP BY query: (key, numerator count, denominator count) per ``field``."""
    rows = qs.values(field).annotate(
        n=Count("pk", filter=numerator), d=Count("pk", filter=denominator or Q())
    )
    return [(row[field], row["n"], row["d"]) for row in rows]


def _care_counts(model_qs: Callable[[Period], QuerySet], numerator: Q, denominator=None):
    def aggregate(orgs: list, period: Period) -> Counts:
        org_of = _institutions(orgs)
        qs = model_qs(period).filter(institution_id__in=list(org_of))
        rows = _grouped(qs, "institution_id", numerator, denominator)
        return _by_org({key: (n, d) for key, n, d in rows}, org_of)

    return aggregate


def _institution_of(org):
    from changhu.providers.models import Institution

    return Institution.objects.filter(organization=org).first()


def _care_rows(model_qs: Callable[[Period], QuerySet]):
    def rows(org, period: Period) -> QuerySet:
        institution = _institution_of(org)
        qs = model_qs(period)
        return qs.filter(institution=institution) if institution else qs.none()

    return rows


# --- care institutions ------------------------------------------------------------------------


def _findings(period: Period) -> QuerySet:
    from changhu.visits.models import Finding

    return Finding.objects.filter(period__in=period.months).select_related("person")


def _finding_rate(orgs: list, period: Period) -> Counts:
    """Findings per service record: completed visits plus in-bed days of the period."""
    from changhu.visits.models import BedDay, BedDayKind, Finding, Visit, VisitStatus

    org_of = _institutions(orgs)
    ids = list(org_of)
    findings = (
        Finding.objects.filter(institution_id__in=ids, period__in=period.months)
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    visits = (
        Visit.objects.filter(
            institution_id__in=ids,
            status=VisitStatus.COMPLETED,
            service_date__gte=period.first,
            service_date__lte=period.last,
        )
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    bed_days = (
        BedDay.objects.filter(
            institution_id__in=ids,
            kind=BedDayKind.IN_BED,
            day__gte=period.first,
            day__lte=period.last,
        )
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    return _by_org(_merge(findings, [*visits, *bed_days]), org_of)


def _resolved_findings(period: Period) -> QuerySet:
    from changhu.visits.models import FindingStatus

    return _findings(period).filter(status__in=(FindingStatus.CONFIRMED, FindingStatus.DISMISSED))


def _complaints_received(period: Period) -> QuerySet:
    from changhu.feedback.models import Complaint

    return Complaint.objects.filter(
        received_at__date__gte=period.first, received_at__date__lte=period.last
    ).select_related("person")


def _complaint_rate(orgs: list, period: Period) -> Counts:
    """Complaints received per beneficiary cared for by the institution in the period."""
    from changhu.care.models import Arrangement

    org_of = _institutions(orgs)
    ids = list(org_of)
    complaints = (
        _complaints_received(period)
        .filter(institution_id__in=ids)
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    beneficiaries = (
        Arrangement.objects.filter(institution_id__in=ids, start_date__lte=period.last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.first))
        .values("institution_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("institution_id", "n")
    )
    return _by_org(_merge(complaints, beneficiaries), org_of)


def _return_visits(period: Period) -> QuerySet:
    from changhu.feedback.models import ReturnVisit, ReturnVisitStatus

    return ReturnVisit.objects.filter(
        period__in=period.months, status=ReturnVisitStatus.REACHED
    ).select_related("person")


def _surveys(period: Period) -> QuerySet:
    from changhu.feedback.models import SurveyResponse

    return SurveyResponse.objects.filter(
        period__in=period.months, institution_items__gt=0
    ).select_related("person")


def _satisfaction(orgs: list, period: Period) -> Counts:
    """Points scored over the full points (five per scored item), every channel."""
    org_of = _institutions(orgs)
    rows = (
        _surveys(period)
        .filter(institution_id__in=list(org_of))
        .values("institution_id")
        .annotate(points=Sum("institution_points"), items=Sum("institution_items"))
    )
    return _by_org(
        {r["institution_id"]: (r["points"] or 0, (r["items"] or 0) * 5) for r in rows}, org_of
    )


def _rectifications(period: Period) -> QuerySet:
    from changhu.supervision.models import (
        OPEN_RECTIFICATION,
        Rectification,
        RectificationAnswer,
        RectificationStatus,
    )

    late_answer = RectificationAnswer.objects.filter(
        rectification_id=OuterRef("pk"), answered_at__date__gt=OuterRef("deadline")
    )
    return (
        Rectification.objects.filter(deadline__gte=period.first, deadline__lte=period.last)
        .exclude(status=RectificationStatus.WITHDRAWN)
        .annotate(
            late=_flag(
                Q(status__in=OPEN_RECTIFICATION, deadline__lt=clock.today())
                | Q(escalated_at__isnull=False)
                | Exists(late_answer)
            )
        )
        .select_related("finding")
    )


def _caregivers(period: Period) -> QuerySet:
    """Caregivers on the institution's register on the last day of the period, each marked
    with whether a certificate of theirs was valid that day."""
    from changhu.providers.models import Caregiver, Certificate

    valid = Certificate.objects.filter(
        caregiver_id=OuterRef("pk"),
        issued_on__lte=period.last,
        expires_on__gte=period.last,
    )
    return (
        Caregiver.objects.filter(hired_on__lte=period.last)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=period.last))
        .annotate(certified=Exists(valid))
    )


def _claim_lines(period: Period) -> QuerySet:
    from changhu.settlement.models import ClaimLine, LineSource

    return ClaimLine.objects.filter(
        period__month__in=period.months, source=LineSource.COMPUTED
    ).select_related("person", "period")


# --- assessment institutions ------------------------------------------------------------------


def _org_grouped(qs: QuerySet, field: str, numerator: Q, orgs: list) -> Counts:
    qs = qs.filter(**{f"{field}__in": [o.pk for o in orgs]})
    return {key: (n, d) for key, n, d in _grouped(qs, field, numerator)}


def _assessments_due(period: Period) -> QuerySet:
    from changhu.assessment.models import Assessment

    on_time = Q(submitted_at__isnull=False, submitted_at__date__lte=F("due_date")) | Q(
        submitted_at__isnull=True, due_date__gte=clock.today()
    )
    return (
        Assessment.objects.filter(due_date__gte=period.first, due_date__lte=period.last)
        .annotate(on_time=_flag(on_time))
        .select_related("application__person")
    )


def _conclusions(period: Period) -> QuerySet:
    from changhu.assessment.models import Conclusion

    return Conclusion.objects.filter(
        issued_at__date__gte=period.first, issued_at__date__lte=period.last
    ).select_related("person", "application")


def _appeal_grade_changed(orgs: list, period: Period) -> Counts:
    """Appeals that changed the grade, per conclusion the institution's assessments led to."""
    ids = [o.pk for o in orgs]
    issued = (
        _conclusions(period)
        .filter(assessment__institution_id__in=ids)
        .values("assessment__institution_id")
        .annotate(n=Count("pk"))
        .values_list("assessment__institution_id", "n")
    )
    changed = (
        _conclusions(period)
        .filter(
            application__kind="appeal",
            grade_changed=True,
            previous__assessment__institution_id__in=ids,
        )
        .values("previous__assessment__institution_id")
        .annotate(n=Count("pk"))
        .values_list("previous__assessment__institution_id", "n")
    )
    return _merge(changed, issued)


def _appeal_rows(org, period: Period) -> QuerySet:
    return _conclusions(period).filter(
        Q(assessment__institution=org)
        | Q(application__kind="appeal", previous__assessment__institution=org)
    )


def _objections(period: Period) -> QuerySet:
    from changhu.assessment.models import Objection

    return Objection.objects.filter(
        handled_at__date__gte=period.first,
        handled_at__date__lte=period.last,
        status__in=(Objection.Status.UPHELD, Objection.Status.DISMISSED),
    ).select_related("application__person")


def _spot_checks(period: Period) -> QuerySet:
    return _conclusions(period).filter(application__kind="spot_check", previous__isnull=False)


# --- insurers: by the districts they administer -----------------------------------------------


def _by_coverage(qs: QuerySet, numerator: Q, orgs: list) -> Counts:
    """Group by region code once, then credit each insurer with the regions it covers."""
    from changhu.orgs.scoping import organization_prefixes

    rows = _grouped(qs, "region_code", numerator)
    out: Counts = {}
    for org in orgs:
        prefixes = tuple(organization_prefixes(org))
        n = d = 0
        for code, num, den in rows:
            if prefixes and code.startswith(prefixes):
                n, d = n + num, d + den
        out[org.pk] = (n, d)
    return out


def _coverage_rows(model_qs: Callable[[Period], QuerySet]):
    def rows(org, period: Period) -> QuerySet:
        from changhu.orgs.scoping import organization_prefixes

        q = Q(pk__in=[])
        for prefix in organization_prefixes(org):
            q |= Q(region_code__startswith=prefix)
        return model_qs(period).filter(q)

    return rows


def _applications_due(period: Period) -> QuerySet:
    from changhu.assessment.models import Application

    return Application.objects.filter(
        assessment_due__gte=period.first, assessment_due__lte=period.last
    ).select_related("person")


def _complaints_due(period: Period) -> QuerySet:
    from changhu.feedback.models import Complaint

    on_time = Q(replied_at__isnull=False, replied_at__date__lte=F("reply_due")) | Q(
        replied_at__isnull=True, reply_due__gte=clock.today()
    )
    return (
        Complaint.objects.filter(reply_due__gte=period.first, reply_due__lte=period.last)
        .annotate(on_time=_flag(on_time))
        .select_related("person")
    )


def _name(attr: str) -> Callable[[object], object]:
    def get(row):
        value = row
        for part in attr.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        return value() if callable(value) else value

    return get


def _display(attr: str) -> Callable[[object], object]:
    return lambda row: getattr(row, f"get_{attr}_display")()


CARE = {
    "screening_finding_rate": Source(
        aggregate=_finding_rate,
        rows=_care_rows(_findings),
        counted=lambda row: True,
        columns=(
            ("月份", _name("period")),
            ("服务对象", _name("person.name")),
            ("服务日期", _name("service_date")),
            ("疑点", _name("reason")),
            ("状态", _display("status")),
        ),
        label="稽核发现",
    ),
    "confirmed_finding_rate": Source(
        aggregate=_care_counts(_resolved_findings, Q(status="confirmed")),
        rows=_care_rows(_resolved_findings),
        counted=lambda row: row.status == "confirmed",
        columns=(
            ("月份", _name("period")),
            ("服务对象", _name("person.name")),
            ("疑点", _name("reason")),
            ("处理结果", _display("status")),
        ),
        label="已处理的稽核发现",
    ),
    "complaint_rate": Source(
        aggregate=_complaint_rate,
        rows=_care_rows(_complaints_received),
        counted=lambda row: True,
        columns=(
            ("投诉编号", _name("number")),
            ("收到时间", lambda row: f"{row.received_at:%Y-%m-%d}"),
            ("类别", _display("category")),
            ("状态", _display("status")),
        ),
        label="投诉",
    ),
    "return_visit_discrepancy_rate": Source(
        aggregate=_care_counts(_return_visits, ~Q(discrepancy="")),
        rows=_care_rows(_return_visits),
        counted=lambda row: bool(row.discrepancy),
        columns=(
            ("月份", _name("period")),
            ("服务对象", _name("person.name")),
            ("服务不实情况", lambda row: row.discrepancy or "无"),
        ),
        label="已接通的回访",
    ),
    "satisfaction": Source(
        aggregate=_satisfaction,
        rows=_care_rows(_surveys),
        counted=lambda row: True,
        columns=(
            ("月份", _name("period")),
            ("服务对象", _name("person.name")),
            ("渠道", _display("channel")),
            ("机构得分", lambda row: f"{row.institution_points}/{row.institution_items * 5}"),
        ),
        label="满意度问卷",
    ),
    "rectification_on_time": Source(
        aggregate=_care_counts(_rectifications, Q(late=False)),
        rows=_care_rows(_rectifications),
        counted=lambda row: not row.late,
        columns=(
            ("通知书编号", _name("notice_number")),
            ("整改期限", _name("deadline")),
            ("状态", _display("status")),
            ("按期", lambda row: "否" if row.late else "是"),
        ),
        label="整改通知",
    ),
    "certified_caregivers": Source(
        aggregate=_care_counts(_caregivers, Q(certified=True)),
        rows=_care_rows(_caregivers),
        counted=lambda row: row.certified,
        columns=(
            ("护理员", _name("name")),
            ("类别", _display("kind")),
            ("持有效证书", lambda row: "是" if row.certified else "否"),
        ),
        label="在岗护理员",
    ),
    "claim_lines_rejected": Source(
        aggregate=_care_counts(_claim_lines, Q(status="rejected")),
        rows=_care_rows(_claim_lines),
        counted=lambda row: row.status == "rejected",
        columns=(
            ("结算月份", _name("period.month")),
            ("参保人", _name("person.name")),
            ("待遇", _name("benefit_name")),
            ("状态", _display("status")),
            ("原因", _name("reason")),
        ),
        label="结算明细",
    ),
}

ASSESSMENT = {
    "assessments_on_time": Source(
        aggregate=lambda orgs, period: _org_grouped(
            _assessments_due(period), "institution_id", Q(on_time=True), orgs
        ),
        rows=lambda org, period: _assessments_due(period).filter(institution=org),
        counted=lambda row: row.on_time,
        columns=(
            ("申请编号", _name("application.number")),
            ("被评估人", _name("application.person.name")),
            ("评估完成期限", _name("due_date")),
            (
                "提交时间",
                lambda row: f"{row.submitted_at:%Y-%m-%d}" if row.submitted_at else "未提交",
            ),
        ),
        label="评估派单",
    ),
    "appeal_grade_changed": Source(
        aggregate=_appeal_grade_changed,
        rows=_appeal_rows,
        counted=lambda row: row.application.kind == "appeal" and bool(row.grade_changed),
        columns=(
            ("结论书编号", _name("number")),
            ("被评估人", _name("person.name")),
            ("评估类型", lambda row: row.application.get_kind_display()),
            ("失能等级", _name("grade_label")),
        ),
        label="评估结论",
    ),
    "objections_upheld": Source(
        aggregate=lambda orgs, period: _org_grouped(
            _objections(period), "assessment__institution_id", Q(status="upheld"), orgs
        ),
        rows=lambda org, period: _objections(period).filter(assessment__institution=org),
        counted=lambda row: row.status == "upheld",
        columns=(
            ("申请编号", _name("application.number")),
            ("异议人", _name("raised_by")),
            ("处理结果", _display("status")),
        ),
        label="公示异议",
    ),
    "reassessment_consistency": Source(
        aggregate=lambda orgs, period: _org_grouped(
            _spot_checks(period),
            "previous__assessment__institution_id",
            Q(grade_changed=False),
            orgs,
        ),
        rows=lambda org, period: _spot_checks(period).filter(previous__assessment__institution=org),
        counted=lambda row: row.grade_changed is False,
        columns=(
            ("结论书编号", _name("number")),
            ("被评估人", _name("person.name")),
            ("失能等级", _name("grade_label")),
            ("与原结论一致", lambda row: "否" if row.grade_changed else "是"),
        ),
        label="抽查复评结论",
    ),
}

INSURER = {
    "assessment_deadlines_met": Source(
        aggregate=lambda orgs, period: _by_coverage(
            _applications_due(period), Q(overdue_since__isnull=True), orgs
        ),
        rows=_coverage_rows(_applications_due),
        counted=lambda row: row.overdue_since is None,
        columns=(
            ("申请编号", _name("number")),
            ("被评估人", _name("person.name")),
            ("评估完成期限", _name("assessment_due")),
            ("逾期", lambda row: f"自{row.overdue_since}逾期" if row.overdue_since else "未逾期"),
        ),
        label="评估申请",
    ),
    "complaints_answered_on_time": Source(
        aggregate=lambda orgs, period: _by_coverage(_complaints_due(period), Q(on_time=True), orgs),
        rows=_coverage_rows(_complaints_due),
        counted=lambda row: row.on_time,
        columns=(
            ("投诉编号", _name("number")),
            ("答复期限", _name("reply_due")),
            ("答复时间", lambda row: f"{row.replied_at:%Y-%m-%d}" if row.replied_at else "未答复"),
            ("按期", lambda row: "是" if row.on_time else "否"),
        ),
        label="投诉",
    ),
}
