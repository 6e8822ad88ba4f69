"""Every read of cases that leaves this app, already narrowed to the reader's scope.

Who sees a case: insurer and bureau staff by the person's region; an assessment institution's
assessors and experts the cases dispatched to their institution (and only their own dispatches'
details); an applicant the cases they submitted or of persons they are linked to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from changhu.assessment import scoring
from changhu.assessment.models import (
    OPEN_STATUSES,
    Application,
    Assessment,
    AssessorAssignment,
    CaseEvent,
    Conclusion,
    Confirmation,
    Document,
    DrawnExpert,
    ExpertConflict,
    ExpertDraw,
    Kind,
    Notice,
    Objection,
    PoolExpert,
    Status,
)
from changhu.assessment.workflow import WORKFLOW
from changhu.core import clock, scope
from changhu.core.db import filter_given
from changhu.core.transitions import timeline as transition_timeline
from changhu.insured.models import ApplicantLink
from changhu.orgs.models import Organization, OrgKind, OrgStatus
from changhu.orgs.roles import Right
from changhu.orgs.scoping import organization_prefixes


def _drawn_for(s: scope.Scope) -> QuerySet:
    """The experts' picks of standing draws that name the reader (an expert of any institution
    sees the cases they were drawn to confirm)."""
    return DrawnExpert.objects.filter(user_id=s.user_id, draw__active=True)


@scope.register(Application)
def _application_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if s.can(Right.ASSESSMENT_VIEW):
        if s.organization_kind == OrgKind.ASSESSMENT:
            mine = Assessment.objects.filter(
                application=OuterRef("pk"), institution_id=s.organization_id
            )
            drawn = _drawn_for(s).filter(draw__application=OuterRef("pk"))
            return queryset.filter(Exists(mine) | Exists(drawn))
        return queryset.filter(s.region_q("region_code"))
    if s.can(Right.ASSESSMENT_APPLY):
        linked = ApplicantLink.objects.filter(person_id=OuterRef("person_id"), user_id=s.user_id)
        return queryset.filter(Q(applicant_user_id=s.user_id) | Exists(linked))
    return queryset.none()


def _applications_seen(s: scope.Scope) -> QuerySet:
    return _application_policy(Application.objects.all(), s).values("pk")


@scope.register(Assessment)
def _assessment_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """An institution sees its own dispatches only, not another institution's work; applicants
    see the result in the conclusion, not the working form."""
    if not s.can(Right.ASSESSMENT_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.ASSESSMENT:
        drawn = _drawn_for(s).values("draw__assessment_id")
        return queryset.filter(Q(institution_id=s.organization_id) | Q(pk__in=drawn))
    return queryset.filter(application_id__in=_applications_seen(s))


@scope.register(Objection, Notice, CaseEvent, Conclusion)
def _by_application(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(application_id__in=_applications_seen(s))


@scope.register(Document)
def _document_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Application materials go with the case; on-site attachments with the dispatch."""
    seen = _by_application(queryset, s)
    if not s.can(Right.ASSESSMENT_VIEW):
        return seen.filter(assessment__isnull=True)
    if s.organization_kind == OrgKind.ASSESSMENT:
        drawn = _drawn_for(s).values("draw__assessment_id")
        return seen.filter(
            Q(assessment__isnull=True)
            | Q(assessment__institution_id=s.organization_id)
            | Q(assessment_id__in=drawn)
        )
    return seen


@scope.register(AssessorAssignment, Confirmation, ExpertDraw)
def _by_assessment_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(assessment__in=_assessment_policy(Assessment.objects.all(), s))


def pool_region_q(s: scope.Scope, field_name: str = "region_code") -> Q:
    """Pool entries whose region overlaps the scope's: a city's pool is seen by the city's and
    its districts' staff."""
    if s.unrestricted:
        return Q()
    q = Q(pk__in=[])
    for prefix in s.region_prefixes:
        q |= Q(**{f"{field_name}__startswith": prefix})
        q |= Q(**{f"{field_name}__in": [prefix[:n] for n in range(2, len(prefix))]})
    return q


@scope.register(PoolExpert)
def _pool_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The pool's managers and case workers see the pool of their region; an expert their own
    entries; nobody else any."""
    if s.can(Right.EXPERT_POOL_VIEW):
        return queryset.filter(pool_region_q(s))
    if s.can(Right.ASSESSMENT_CONFIRM):
        return queryset.filter(user_id=s.user_id)
    return queryset.none()


@scope.register(ExpertConflict)
def _conflict_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(expert__in=_pool_policy(PoolExpert.objects.all(), s))


# --- queues ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueDef:
    key: str
    label: str
    rights: tuple[str, ...]  # any of these
    condition: Q
    hint: str = ""
    icon: str = "inbox"
    # A narrowing that depends on the reader (the cases drawn for them), if any.
    personal: Callable[[scope.Scope], Q] | None = None

    def condition_for(self, s: scope.Scope) -> Q:
        return self.condition & self.personal(s) if self.personal else self.condition


_OPEN = Q(status__in=OPEN_STATUSES)
_DRAWN = Exists(
    ExpertDraw.objects.filter(active=True, assessment_id=OuterRef("current_assessment_id"))
)


def _mine_to_confirm(s: scope.Scope) -> Q:
    """Drawn for the reader, who has not yet given an opinion on the result now submitted."""
    drawn = DrawnExpert.objects.filter(
        user_id=s.user_id, draw__active=True, draw__assessment_id=OuterRef("current_assessment_id")
    )
    answered = Confirmation.objects.filter(
        expert_id=s.user_id,
        assessment_id=OuterRef("current_assessment_id"),
        submission=OuterRef("current_assessment__submission"),
    )
    return Q(Exists(drawn)) & ~Q(Exists(answered))


QUEUES: dict[str, QueueDef] = {
    q.key: q
    for q in (
        QueueDef(
            "intake",
            "待受理",
            (Right.ASSESSMENT_ACCEPT,),
            Q(status=Status.SUBMITTED),
            "新提交或已补充材料的申请",
            "inbox",
        ),
        QueueDef(
            "materials",
            "待补充材料",
            (Right.ASSESSMENT_ACCEPT,),
            Q(status=Status.MATERIALS_REQUESTED),
            "已通知申请人补充材料",
            "file-earmark-plus",
        ),
        QueueDef(
            "dispatch",
            "待派单",
            (Right.ASSESSMENT_DISPATCH,),
            Q(status=Status.ACCEPTED),
            "已受理，待派至评估机构",
            "send",
        ),
        QueueDef(
            "assessment",
            "待评估",
            (Right.ASSESSMENT_DISPATCH, Right.ASSESSMENT_ASSIGN, Right.ASSESSMENT_CONDUCT),
            Q(status__in=[Status.DISPATCHED, Status.ASSIGNED]),
            "已派单，待指派人员或现场评估",
            "clipboard2-pulse",
        ),
        QueueDef(
            "confirmation",
            "待确认",
            (Right.ASSESSMENT_CONFIRM, Right.ASSESSMENT_REVIEW),
            Q(status=Status.ASSESSED),
            "现场评估已提交，待专家确认",
            "patch-check",
        ),
        QueueDef(
            "draw",
            "待抽取专家",
            (Right.EXPERT_DRAW,),
            Q(status=Status.ASSESSED) & ~Q(_DRAWN),
            "现场评估已提交，待从专家库抽取确认专家",
            "shuffle",
        ),
        QueueDef(
            "my_confirmations",
            "待我确认",
            (Right.ASSESSMENT_CONFIRM,),
            Q(status=Status.ASSESSED),
            "抽取您为确认专家、待您提出意见的案件",
            "person-check",
            personal=_mine_to_confirm,
        ),
        QueueDef(
            "review",
            "待复核",
            (Right.ASSESSMENT_REVIEW,),
            Q(status=Status.CONFIRMED),
            "专家已确认，待经办复核",
            "check2-square",
        ),
        QueueDef(
            "publicity",
            "公示中",
            (Right.ASSESSMENT_VIEW,),
            Q(status=Status.PUBLICITY),
            "达到待遇等级的评估结果公示",
            "megaphone",
        ),
        QueueDef(
            "issue",
            "待送达",
            (Right.ASSESSMENT_CONCLUDE,),
            Q(status=Status.READY_TO_ISSUE),
            "待出具并送达评估结论书",
            "envelope-paper",
        ),
        QueueDef(
            "reassessment",
            "复评中",
            (Right.ASSESSMENT_VIEW,),
            _OPEN & ~Q(kind=Kind.INITIAL),
            "复评申请、到期复评、状况变化与抽查复评",
            "arrow-repeat",
        ),
        QueueDef(
            "overdue",
            "逾期",
            (Right.ASSESSMENT_VIEW,),
            _OPEN & Q(overdue_since__isnull=False),
            "补充材料或现场评估已超过期限",
            "alarm",
        ),
    )
}


# Work queues are worked oldest first (special groups ahead), so nobody waits behind later
# cases; "公示中" and "复评中" are lists to watch, and the full case list shows the newest first.
FIFO_QUEUES = frozenset(
    {
        "intake",
        "materials",
        "dispatch",
        "assessment",
        "confirmation",
        "draw",
        "my_confirmations",
        "review",
        "issue",
        "overdue",
    }
)


def queues_for(user) -> list[QueueDef]:
    s = scope.scope_of(user)
    return [q for q in QUEUES.values() if any(s.can(r) for r in q.rights)]


@dataclass
class ApplicationFilters:
    queue: str = ""
    status: str = ""
    kind: str = ""
    q: str = ""  # the person's name (prefix) or the application number
    district: str = ""
    institution_id: int | None = None


def application_list(*, fetched_by, filters: ApplicationFilters | None = None) -> QuerySet:
    """Cases in the reader's scope matching the filters: in a work queue (``FIFO_QUEUES``)
    special groups first, then oldest; otherwise newest first."""
    filters = filters or ApplicationFilters()
    qs = scope.scoped(Application.objects.all(), fetched_by).select_related(
        "person", "institution", "current_assessment"
    )
    if filters.queue:
        queue = QUEUES.get(filters.queue)
        qs = qs.filter(queue.condition_for(scope.scope_of(fetched_by))) if queue else qs.none()
    qs = filter_given(
        qs,
        status=filters.status,
        kind=filters.kind,
        region_code__startswith=filters.district.strip(),
        institution_id=filters.institution_id,
    )
    text = (filters.q or "").strip()
    if text:
        qs = qs.filter(Q(number=text.upper()) | Q(person__name__startswith=text))
    if filters.queue in FIFO_QUEUES:
        return qs.order_by("-priority", "submitted_at", "id")
    return qs.order_by("-submitted_at", "-id")


def queue_counts(*, fetched_by) -> dict[str, int]:
    """How many cases each of the reader's queues holds, in one query."""
    queues = queues_for(fetched_by)
    if not queues:
        return {}
    qs = scope.scoped(Application.objects.all(), fetched_by)
    s = scope.scope_of(fetched_by)
    counts = qs.aggregate(**{q.key: Count("pk", filter=q.condition_for(s)) for q in queues})
    return {key: value or 0 for key, value in counts.items()}


def _deadline_conditions(today: dt.date) -> tuple[Q, Q]:
    """(overdue, due today) for open cases: flagged by the deadline job, or past the materials
    or on-site deadline of their current step even before the job has run."""
    materials = Q(status=Status.MATERIALS_REQUESTED)
    on_site = Q(status__in=[Status.DISPATCHED, Status.ASSIGNED])
    overdue = _OPEN & (
        Q(overdue_since__isnull=False)
        | (materials & Q(materials_due__lt=today))
        | (on_site & Q(assessment_due__lt=today))
    )
    due_today = (
        _OPEN
        & Q(overdue_since__isnull=True)
        & ((materials & Q(materials_due=today)) | (on_site & Q(assessment_due=today)))
    )
    return overdue, due_today


def queue_deadlines(*, fetched_by) -> dict[str, tuple[int, int]]:
    """For each of the reader's queues: how many cases are overdue and how many due today."""
    queues = queues_for(fetched_by)
    if not queues:
        return {}
    overdue, due_today = _deadline_conditions(clock.today())
    qs = scope.scoped(Application.objects.all(), fetched_by)
    s = scope.scope_of(fetched_by)
    aggregates = {}
    for q in queues:
        aggregates[f"{q.key}__overdue"] = Count("pk", filter=q.condition_for(s) & overdue)
        aggregates[f"{q.key}__today"] = Count("pk", filter=q.condition_for(s) & due_today)
    counts = qs.aggregate(**aggregates)
    return {
        q.key: (counts[f"{q.key}__overdue"] or 0, counts[f"{q.key}__today"] or 0) for q in queues
    }


def application_get(*, fetched_by, application_id: int) -> Application:
    qs = Application.objects.select_related(
        "person",
        "person__region",
        "institution",
        "rules",
        "current_assessment",
        "current_assessment__scale_version",
        "previous_conclusion",
        "applicant_user",
    )
    return scope.get_scoped(qs, fetched_by, pk=application_id)


def assessments_of(*, fetched_by, application: Application) -> list[Assessment]:
    qs = scope.scoped(
        Assessment.objects.filter(application=application), fetched_by
    ).select_related("institution", "scale_version")
    return list(qs.prefetch_related("assignments__user", "confirmations__expert"))


def documents_of(*, fetched_by, application: Application) -> list[Document]:
    qs = scope.scoped(Document.objects.filter(application=application), fetched_by)
    return list(qs.select_related("uploaded_by"))


def document_get(*, fetched_by, document_id: int) -> Document:
    return scope.get_scoped(
        Document.objects.select_related("application"), fetched_by, pk=document_id
    )


def objections_of(*, fetched_by, application: Application) -> list[Objection]:
    qs = scope.scoped(Objection.objects.filter(application=application), fetched_by)
    return list(qs.select_related("recorded_by", "handled_by"))


def objection_get(*, fetched_by, objection_id: int) -> Objection:
    return scope.get_scoped(Objection.objects.all(), fetched_by, pk=objection_id)


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    actor: str
    kind: str  # "transition" or a CaseEvent kind
    title: str
    text: str
    from_state: str = ""
    to_state: str = ""


def timeline(application: Application) -> list[TimelineEntry]:
    """The case's state changes (from the transition log) and its other steps, oldest first."""
    labels = dict(Status.choices)
    entries = [
        TimelineEntry(
            at=log.at,
            actor=_name(log.actor),
            kind="transition",
            title=(
                f"{labels.get(log.from_state, log.from_state)} → {labels.get(log.to_state)}"
                if log.from_state
                else labels.get(log.to_state, log.to_state)
            ),
            text=log.reason,
            from_state=log.from_state,
            to_state=log.to_state,
        )
        for log in transition_timeline(application)
    ]
    entries += [
        TimelineEntry(at=e.at, actor=_name(e.actor), kind=e.kind, title=e.kind, text=e.text)
        for e in application.events.select_related("actor")
    ]
    return sorted(entries, key=lambda entry: entry.at)


def _name(user) -> str:
    if user is None:
        return "系统"
    return getattr(user, "real_name", "") or user.get_username()


def notices_for(*, fetched_by) -> QuerySet:
    return scope.scoped(Notice.objects.select_related("application"), fetched_by)


def conclusion_get(*, fetched_by, conclusion_id: int) -> Conclusion:
    return scope.get_scoped(
        Conclusion.objects.select_related("application", "person", "scale_version", "rules"),
        fetched_by,
        pk=conclusion_id,
    )


def conclusion_list(*, fetched_by, person_id: int | None = None) -> QuerySet:
    qs = scope.scoped(Conclusion.objects.select_related("person", "application"), fetched_by)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs


def conclusion_of(application: Application) -> Conclusion | None:
    """The conclusion issued on an application the reader already holds, if any."""
    return (
        Conclusion.objects.filter(application=application)
        .select_related("person", "scale_version", "rules")
        .first()
    )


def allowed_actions(user, application: Application) -> list[str]:
    """The workflow steps the user may take on the application in its present state."""
    s = scope.scope_of(user)
    return [
        name
        for name in WORKFLOW.allowed(application.status)
        if s.can(WORKFLOW.transitions[name].right)
        or (name in ("resubmit", "withdraw") and s.can(Right.ASSESSMENT_INTAKE))
    ]


def conclusion_in_force(person_id: int, on_date: dt.date | None = None) -> Conclusion | None:
    """The conclusion that holds for a person on a day: issued, within its validity, not yet
    superseded by a re-assessment. Read by the care module (grade, valid_from, valid_until,
    number); no scope, since it is a system-to-system read."""
    on_date = on_date or clock.today()
    return (
        Conclusion.objects.filter(
            person_id=person_id, valid_from__lte=on_date, valid_until__gte=on_date
        )
        .filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=on_date))
        .order_by("-valid_from", "-id")
        .first()
    )


def grade_qualifies(region_code: str, grade: int | None, day: dt.date | None = None) -> bool | None:
    """Whether ``grade`` gives a right to benefits under the benefit policy in force for the
    region on ``day`` (settlement's ``qualifying_grades``, the one source); ``None`` when the
    grade is not known yet or no policy covers the region."""
    if grade is None:
        return None
    # Benefit policies are settlement's data, read on use (settlement does not read this app).
    from changhu.settlement.selectors import qualifying_grades_for

    policy = qualifying_grades_for(region_code, day or clock.today())
    return None if policy is None else grade in policy


def conclusion_for_care(conclusion_id: int) -> Conclusion | None:
    """One issued conclusion as the care module reads it to open or change an entitlement
    (grade, label, validity, number, person, region, whether superseded). A system read: the
    care service checks the actor's scope on the person."""
    return (
        Conclusion.objects.select_related("person", "application", "previous")
        .filter(pk=conclusion_id)
        .first()
    )


def conclusion_by_number(number: str) -> Conclusion | None:
    """The conclusion with this letter number (for linking entitlements typed in by hand)."""
    return Conclusion.objects.select_related("person").filter(number=number.strip()).first()


def conclusion_owners(numbers) -> dict[str, int]:
    """Person ids of the conclusions with these letter numbers (numbers not found are absent)."""
    return dict(
        Conclusion.objects.filter(number__in=list(numbers)).values_list("number", "person_id")
    )


def conclusions_of_person(person_id: int) -> list[Conclusion]:
    """A person's conclusions, newest first, for their file (一人一档). A system read: the
    caller has already checked that the reader may see the person."""
    return list(
        Conclusion.objects.select_related("application")
        .filter(person_id=person_id)
        .order_by("-valid_from", "-id")
    )


def publicity_list(*, fetched_by, on_date: dt.date | None = None) -> QuerySet:
    """Cases under publicity in the reader's scope, for the list page and the Excel export."""
    qs = application_list(fetched_by=fetched_by, filters=ApplicationFilters(queue="publicity"))
    return qs.select_related("person__region", "current_assessment").order_by(
        "publicity_until", "id"
    )


def publicity_rows(*, fetched_by) -> list[dict]:
    """The publicity list as it is published: masked ID numbers, grade, period, objections
    still open. One shape for the page, the API and the Excel export."""
    qs = publicity_list(fetched_by=fetched_by).prefetch_related("objections")
    return [
        {
            "id": a.pk,
            "number": a.number,
            "person_name": a.person.name,
            "person_id_number_masked": a.person.id_number_masked,
            "region": a.person.region.name,
            "grade_label": a.current_assessment.grade_label,
            "publicity_from": a.publicity_from,
            "publicity_until": a.publicity_until,
            "open_objections": sum(o.status == "open" for o in a.objections.all()),
            "priority": a.priority,
        }
        for a in qs
    ]


# --- dispatch: institutions and people --------------------------------------------------------


# Which institutions care for a person is the care module's to say; it plugs its selector in
# here (``CareConfig.ready``), so assessment does not import care. Without it only the case
# worker's declaration at dispatch counts.
def _no_care_module(person_id: int) -> Iterable:
    return ()


_caring_source: Callable[[int], Iterable] = _no_care_module


def set_care_institutions_source(source: Callable[[int], Iterable]) -> None:
    global _caring_source
    _caring_source = source


def care_institutions_for(person_id: int) -> set[int]:
    """Organization ids of the care institutions serving a person, as the care module knows them."""
    ids: set[int] = set()
    for item in _caring_source(person_id):
        if isinstance(item, int):
            ids.add(item)
        elif getattr(item, "organization_id", None):
            ids.add(item.organization_id)
        elif getattr(item, "pk", None):
            ids.add(item.pk)
    return ids


@dataclass
class InstitutionOption:
    organization: Organization
    open_cases: int
    reasons: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Exclusions:
    institution_ids: frozenset[int]
    people_ids: frozenset[int]


def previous_exclusions(application: Application) -> Exclusions:
    """Institutions and people a new dispatch of this case must avoid under its rules: those of
    the conclusion being re-assessed, and those of a dispatch set aside by an upheld objection."""
    rules = application.rules.rules
    institutions: set[int] = set()
    people: set[int] = set()

    def avoid(assessment: Assessment, kind: str) -> None:
        exclusion = rules.exclusion(kind)
        if exclusion.institution:
            institutions.add(assessment.institution_id)
        if exclusion.people:
            people.update(
                assessment.assignments.filter(recused_at__isnull=True).values_list(
                    "user_id", flat=True
                )
            )

    if application.previous_conclusion_id:
        avoid(application.previous_conclusion.assessment, application.kind)
    for earlier in application.assessments.filter(superseded_reason="objection"):
        avoid(earlier, "objection")
    return Exclusions(frozenset(institutions), frozenset(people))


def dispatch_options(
    application: Application, *, declared_care_ids: tuple[int, ...] = ()
) -> list[InstitutionOption]:
    """Designated assessment institutions in force today (active, with an agreement in force:
    ``providers``) serving the person's region, each with the reasons it may not take this case
    (care relationship, previous assessment) and its open workload."""
    from changhu.providers.selectors import organizations_in_force

    in_force = organizations_in_force(kind=OrgKind.ASSESSMENT, day=clock.today())
    candidates = [
        org
        for org in Organization.objects.filter(
            kind=OrgKind.ASSESSMENT, status=OrgStatus.ACTIVE, pk__in=in_force
        ).prefetch_related("coverage", "region")
        if any(application.region_code.startswith(p) for p in organization_prefixes(org))
    ]
    caring = care_institutions_for(application.person_id) | set(declared_care_ids)
    caring_uscc = set(
        Organization.objects.filter(pk__in=caring).exclude(uscc="").values_list("uscc", flat=True)
    )
    previous = previous_exclusions(application)
    load = dict(
        Application.objects.filter(
            institution__in=candidates,
            status__in=[Status.DISPATCHED, Status.ASSIGNED, Status.ASSESSED],
        )
        .values_list("institution_id")
        .annotate(n=Count("pk"))
    )
    options = []
    for org in sorted(candidates, key=lambda o: o.name):
        option = InstitutionOption(organization=org, open_cases=load.get(org.pk, 0))
        if org.pk in caring or (org.uscc and org.uscc in caring_uscc):
            option.reasons.append("该机构为被评估人提供护理服务，须回避")
        if org.pk in previous.institution_ids:
            option.reasons.append("该机构承担了上次评估，复评须更换评估机构")
        options.append(option)
    return options


@dataclass
class AssessorOption:
    user: Any
    is_expert: bool
    reasons: list[str] = field(default_factory=list)
    # Registered in the assessor register (providers) with a valid certificate today.
    qualified: bool = True

    @property
    def excluded(self) -> bool:
        return bool(self.reasons)


def assessor_options(application: Application) -> list[AssessorOption]:
    """The dispatched institution's assessors and experts, with why any may not be assigned:
    not a qualified assessor today (the assessor register), or excluded from this case."""
    from changhu.orgs.models import User
    from changhu.orgs.roles import Role
    from changhu.providers.selectors import assessors_for_users
    from changhu.providers.services import assessor_qualification

    assessment = application.current_assessment
    if assessment is None:
        return []
    previous = previous_exclusions(application)
    recused = set(
        assessment.assignments.filter(recused_at__isnull=False).values_list("user_id", flat=True)
    )
    users = User.objects.filter(
        organization_id=assessment.institution_id,
        is_active=True,
        role__in=[Role.ASSESSOR, Role.ASSESSMENT_EXPERT],
    ).order_by("-role", "real_name", "username")
    register = assessors_for_users(u.pk for u in users)
    today = clock.today()
    options = []
    for user in users:
        option = AssessorOption(user=user, is_expert=user.role == Role.ASSESSMENT_EXPERT)
        option.qualified, why = assessor_qualification(register.get(user.pk), today)
        if not option.qualified:
            option.reasons.append(why)
        if user.pk in previous.people_ids:
            option.reasons.append("参加过上次评估，须回避")
        if user.pk in recused:
            option.reasons.append("已申请回避")
        options.append(option)
    return options


def live_score(*, fetched_by, application_id: int, answers: dict) -> scoring.PartialResult:
    """The live score of a draft form with the scale version of the case's current dispatch,
    for the on-site team (the only people who fill the form)."""
    scope.require(fetched_by, Right.ASSESSMENT_CONDUCT)
    application = application_get(fetched_by=fetched_by, application_id=application_id)
    assessment = application.current_assessment
    if assessment is None:
        from changhu.core.errors import Conflict

        raise Conflict("该申请尚未派单，没有评估表", code="no_assessment")
    scope.get_scoped(Assessment.objects.all(), fetched_by, pk=assessment.pk)
    return scoring.partial_score(assessment.scale_version.scale, answers)
