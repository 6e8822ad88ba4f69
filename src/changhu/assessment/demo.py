"""Assessment demo data: cases in every state of the workflow for persons of the demo city.

``seed_assessment_demo`` runs after ``changhu seed-demo`` (it needs the demo organizations,
users and persons) and is idempotent: once its cases exist it changes nothing. It adds what the
demo city lacks for a realistic workflow: a second expert at the first assessment institution
(two experts confirm) and a third institution covering the whole city with its own assessor
and experts (a re-assessment needs a different institution and different people). Every case
is moved through the real services, so its timeline, documents, notices and conclusion letter
are what a user would have produced.

The city keeps an expert pool (专家库): six experts from four institutions (both assessment
centres, a hospital ward and a second assessment company). Every case that reaches the experts
has its confirming experts drawn from it by the case worker, and the drawn experts confirm.
The case left waiting for confirmation is the city centre's, with a relationship one expert
declared to its person: its draw shows that expert excluded with the reason, and names the
first centre's experts (``expert``, ``expert2``), whose 待我确认 queue then holds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from changhu.assessment import expert_selectors, files, scoring, services
from changhu.assessment import rules as rules_engine
from changhu.assessment.models import (
    Application,
    Assessment,
    Conclusion,
    Kind,
    PoolExpert,
    Status,
)
from changhu.assessment.presets import load_rule_presets, load_scale_presets, rules_for, scale_for
from changhu.core import clock, context, workdays
from changhu.core.errors import DomainError
from changhu.core.models import TransitionLog
from changhu.core.preset_registry import run_preset_loaders
from changhu.insured.models import Person, SpecialGroupMembership
from changhu.orgs.models import Organization, OrgKind, Region, User
from changhu.orgs.roles import Role

DEMO_TAG = "【演示】"
DEMO_PASSWORD = "Changhu2026"
FIRST_INSTITUTION = "成都市锦城长护评估中心"
CITY_INSTITUTION = "成都市天府失能评估中心"
SECOND_COMPANY = "四川蓉康失能评估有限公司"
HOSPITAL_WARD = "武侯区康宁医院长期护理病房"
CITY_CODE = "510100"
# (username, role, real name, organization) added for the assessment workflow.
EXTRA_USERS = (
    ("expert2", Role.ASSESSMENT_EXPERT, "冯志远", FIRST_INSTITUTION),
    ("assessor3", Role.ASSESSOR, "蒋丽萍", CITY_INSTITUTION),
    ("expert3", Role.ASSESSMENT_EXPERT, "韩明亮", CITY_INSTITUTION),
    ("expert4", Role.ASSESSMENT_EXPERT, "曹雪梅", CITY_INSTITUTION),
    ("expert5", Role.ASSESSMENT_EXPERT, "罗建军", SECOND_COMPANY),
    ("expert6", Role.ASSESSMENT_EXPERT, "唐晓梅", SECOND_COMPANY),
)
# The expert pool: (username, the institution they work at, profession, speciality).
POOL = (
    ("expert", FIRST_INSTITUTION, "physician", "老年医学"),
    ("expert2", FIRST_INSTITUTION, "nurse", "老年护理"),
    ("expert3", CITY_INSTITUTION, "physician", "神经内科"),
    ("expert4", CITY_INSTITUTION, "rehabilitation", "康复医学"),
    ("expert5", HOSPITAL_WARD, "physician", "全科医学"),
    ("expert6", SECOND_COMPANY, "social_worker", "失能老人社会工作"),
)
# The state each demo case is left in, in the order persons are taken.
PLAN = (
    "submitted",
    "submitted_special",
    "materials_requested",
    "materials_overdue",
    "refused",
    "withdrawn",
    "accepted",
    "dispatched",
    "assigned",
    "assessed",
    "confirmed",
    "publicity",
    "publicity_objection",
    "ready_to_issue",
    "concluded",
    "concluded_mild",
    "appeal",
)


class DemoNotSeeded(DomainError):
    status = 409
    code = "demo_not_seeded"
    message = "尚未生成演示城市，请先运行 changhu seed-demo"


@dataclass
class AssessmentDemoReport:
    created: int = 0
    users_created: int = 0
    already: bool = False
    states: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.already:
            return ["assessment demo: already seeded, nothing changed"]
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()))
        lines = [
            f"assessment demo: {self.created} cases, {self.users_created} users created",
            f"cases by state: {states}",
        ]
        if self.skipped:
            lines.append(f"not enough demo persons for: {', '.join(self.skipped)}")
        return lines


@dataclass
class _Cast:
    worker: User
    bureau: User | None
    applicant: User
    first: list[User]  # assessor, expert of the first institution
    first_experts: list[User]
    city: Organization
    city_team: list[User]
    city_experts: list[User]


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (214, 228, 240)).save(buffer, "PNG")
    return buffer.getvalue()


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _cast(report: AssessmentDemoReport) -> _Cast:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["caseworker", "applicant", "assessor", "expert"])
    }
    first = Organization.objects.filter(name=FIRST_INSTITUTION).first()
    if len(users) < 4 or first is None:
        raise DemoNotSeeded()
    city_region = Region.objects.get(code=CITY_CODE)
    city, _ = Organization.objects.get_or_create(
        name=CITY_INSTITUTION,
        defaults={
            "kind": OrgKind.ASSESSMENT,
            "short_name": "天府评估",
            "region": city_region,
            "address": "成都市锦江区三色路38号",
            "contact_name": "韩明亮",
            "contact_phone": "028-84561230",
        },
    )
    city.coverage.add(city_region)
    orgs = {FIRST_INSTITUTION: first, CITY_INSTITUTION: city}
    second = Organization.objects.filter(name=SECOND_COMPANY).first()
    orgs[SECOND_COMPANY] = second or city  # a smaller demo city: host them at the city centre
    extra = {}
    for username, role, real_name, org_name in EXTRA_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "real_name": real_name, "organization": orgs[org_name]},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            report.users_created += 1
        extra[username] = user
    # Both institutions designated, and everyone who assesses a qualified assessor (the
    # providers demo did the demo city's own; these are the ones added here).
    from changhu.providers.demo import designate_assessment_demo

    designate_assessment_demo(first, [users["assessor"], users["expert"], extra["expert2"]])
    designate_assessment_demo(city, [extra[u] for u in ("assessor3", "expert3", "expert4")])
    return _Cast(
        worker=users["caseworker"],
        bureau=User.objects.filter(username="bureau").first(),
        applicant=users["applicant"],
        first=[users["assessor"], users["expert"]],
        first_experts=[users["expert"], extra["expert2"]],
        city=city,
        city_team=[extra["assessor3"], extra["expert3"]],
        city_experts=[extra["expert3"], extra["expert4"]],
    )


def _answers(adl: int) -> dict[str, int]:
    """A complete sheet with the given ADL total (cognition and perception moderate)."""
    scale = scale_for("national-2021").scale
    totals = {"adl": adl, "cognition": 8, "perception": 9}
    answers = {}
    for indicator in scale.indicators:
        remaining = totals[indicator.code]
        for item in indicator.items:
            points = max(p for p in item.points if p <= remaining)
            answers[item.name] = points
            remaining -= points
    return answers


def _persons(worker: User, count: int) -> list[Person]:
    """Persons in the case worker's districts without any case, special groups among them."""
    from changhu.core.scope import scope_of

    prefixes = scope_of(worker).region_prefixes
    region = Q()
    for prefix in prefixes:
        region |= Q(region_code__startswith=prefix)
    has_case = Application.objects.filter(person=OuterRef("pk"))
    return list(
        Person.objects.filter(region, status="active")
        .exclude(Exists(has_case))
        .exclude(name="王秀兰")
        .order_by("id")[:count]
    )


def _special_person(worker: User) -> Person | None:
    from changhu.core.scope import scope_of

    region = Q()
    for prefix in scope_of(worker).region_prefixes:
        region |= Q(region_code__startswith=prefix)
    special = SpecialGroupMembership.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
    has_case = Application.objects.filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(region, Exists(special), status="active")
        .exclude(Exists(has_case))
        .order_by("id")
        .first()
    )


def _intake(cast: _Cast, person: Person, *, online: bool = False) -> Application:
    data = services.ApplicationInput(
        person_id=None if online else person.pk,
        person_name=person.name,
        person_id_number=person.id_number if online else "",
        applicant_name="" if online else f"{person.name[0]}家属",
        relationship="child",
        phone="13880461257" if online else "13912340000",
        address=person.address or f"{person.region_code}（演示地址）",
        place="home",
        channel="" if online else "counter",
        reason=f"{DEMO_TAG}长期卧床，生活不能自理",
    )
    documents = [
        services.Upload("id_card", SimpleUploadedFile("身份证.png", _png())),
        services.Upload("medical_record", SimpleUploadedFile("病历.pdf", _pdf())),
    ]
    actor = cast.applicant if online else cast.worker
    return services.application_submit(actor=actor, data=data, documents=documents)


def _advance(cast: _Cast, case: Application, to: str, *, adl: int = 35, city: bool = False):
    """Move a case along the workflow with the demo cast until it reaches ``to``."""
    order = [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.ASSIGNED,
        Status.ASSESSED,
        Status.CONFIRMED,
        Status.PUBLICITY,
        Status.READY_TO_ISSUE,
        Status.CONCLUDED,
    ]
    team = cast.city_team if city else cast.first
    experts = cast.city_experts if city else cast.first_experts
    institution = cast.city if city else team[0].organization
    while True:
        case = Application.objects.get(pk=case.pk)
        if order.index(case.status) >= order.index(to):
            return case
        pk, worker = case.pk, cast.worker
        if case.status == Status.SUBMITTED:
            services.application_accept(actor=worker, application_id=pk, note="材料齐全")
        elif case.status == Status.ACCEPTED:
            services.application_dispatch(
                actor=worker, application_id=pk, institution_id=institution.pk
            )
        elif case.status == Status.DISPATCHED:
            services.assessors_assign(
                actor=team[0], application_id=pk, user_ids=[u.pk for u in team]
            )
        elif case.status == Status.ASSIGNED:
            services.document_add(
                actor=team[0],
                application_id=pk,
                upload=services.Upload("onsite_photo", SimpleUploadedFile("现场.png", _png())),
            )
            now = clock.now()
            services.assessment_submit(
                actor=team[0],
                application_id=pk,
                data=services.FormInput(
                    answers=_answers(adl),
                    started_at=now - dt.timedelta(hours=2),
                    ended_at=now - dt.timedelta(hours=1),
                    latitude="30.662041",
                    longitude="104.083317",
                    location_accuracy=15,
                    guardian_present=True,
                    guardian_name=case.applicant_name,
                    guardian_relationship="child",
                    video_reference=f"VID-{case.number}",
                    present_ids=[u.pk for u in team],
                ),
            )
        elif case.status == Status.ASSESSED:
            for expert in _confirming(cast, case, experts):
                services.assessment_confirm(actor=expert, application_id=pk, decision="confirm")
        elif case.status == Status.CONFIRMED:
            services.application_review(actor=worker, application_id=pk, decision="approve")
        elif case.status == Status.PUBLICITY:
            # The demo does not wait five working days: close as the job would afterwards.
            locked = Application.objects.select_for_update().get(pk=pk)
            services._close_publicity_if_due(
                locked, today=case.publicity_until + dt.timedelta(days=1), actor=None
            )
        elif case.status == Status.READY_TO_ISSUE:
            services.conclusion_issue(actor=worker, application_id=pk)


def _confirming(cast: _Cast, case: Application, experts: list[User]) -> list[User]:
    """Who confirms the case: the experts drawn from the pool (drawn now by the case worker if
    not yet), or, in a city without a pool, the institution's own experts."""
    if services.may_confirm(cast.worker, case) == "institution":
        return experts
    draw = expert_selectors.active_draw(case.current_assessment)
    if draw is None:
        draw = services.expert_draw_make(actor=cast.worker, application_id=case.pk)
    return [pick.user for pick in draw.picks.all()]


def _seed_pool(cast: _Cast) -> None:
    """The city's expert pool, put together by the bureau (once)."""
    if cast.bureau is None or PoolExpert.objects.exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in POOL])}
    orgs = {o.name: o for o in Organization.objects.filter(name__in=[p[1] for p in POOL])}
    start = clock.today() - dt.timedelta(days=180)
    for username, institution, profession, speciality in POOL:
        if username not in users or institution not in orgs:
            continue
        services.expert_add(
            actor=cast.bureau,
            data=services.ExpertInput(
                user_id=users[username].pk,
                institution_id=orgs[institution].pk,
                profession=profession,
                speciality=speciality,
                active_from=start,
            ),
        )


def _draw_for_the_waiting_case(cast: _Cast) -> None:
    """The case left for the experts (assessed by the city centre): an expert of the pool
    declares a relative in it, then the case worker draws its confirming experts, after the
    other cases' draws (so the least loaded, the first centre's experts, are drawn)."""
    case = (
        Application.objects.filter(
            reason__startswith=DEMO_TAG, status=Status.ASSESSED, draws__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if case is None or services.may_confirm(cast.worker, case) == "institution":
        return
    relative = PoolExpert.objects.filter(user__username="expert5", active=True).first()
    if relative is not None and cast.bureau is not None:
        services.conflict_declare(
            actor=cast.bureau,
            expert_id=relative.pk,
            kind="relative",
            person_id=case.person_id,
            note="被评估人的侄子",
        )
    services.expert_draw_make(actor=cast.worker, application_id=case.pk)


def _started_publicity(case: Application) -> Application:
    """A case whose publicity is under way today. Reviewed on a weekend or holiday, publicity
    would only start on the next working day; the demo then dates the review back to the last
    working day, so an objection can be recorded today on any day of the year."""
    today = clock.today()
    if case.publicity_from <= today:
        return case
    length = workdays.working_days_between(case.publicity_from, case.publicity_until)
    first = workdays.add_working_days(today, -1)
    last = workdays.add_working_days(first, length)
    Application.objects.filter(pk=case.pk).update(publicity_from=first, publicity_until=last)
    TransitionLog.objects.filter(
        object_type=Application._meta.label_lower,
        object_id=str(case.pk),
        to_state=Status.PUBLICITY,
    ).update(reason=f"公示{first:%Y-%m-%d}至{last:%Y-%m-%d}（{length + 1}个工作日）")
    case.refresh_from_db()
    return case


def _seed_case(cast: _Cast, state: str, person: Person) -> Application:
    if state in ("submitted", "submitted_special"):
        return _intake(cast, person)
    case = _intake(cast, person)
    if state in ("materials_requested", "materials_overdue"):
        services.application_request_materials(
            actor=cast.worker, application_id=case.pk, note="请补充近六个月的住院病历和诊断证明"
        )
        if state == "materials_overdue":
            case.refresh_from_db()
            services._flag_overdue(
                case.materials_due + dt.timedelta(days=1),
                Q(pk=case.pk),
                "补充材料期限已过",
                None,
            )
        return case
    if state == "refused":
        services.application_refuse(
            actor=cast.worker,
            application_id=case.pk,
            reason="conditions_not_met",
            text="失能状态持续不足6个月",
        )
        return case
    if state == "withdrawn":
        services.application_withdraw(actor=cast.worker, application_id=case.pk, reason="家属撤回")
        return case
    if state == "publicity_objection":
        case = _started_publicity(_advance(cast, case, Status.PUBLICITY))
        services.objection_record(
            actor=cast.worker,
            application_id=case.pk,
            raised_by="邻居（匿名）",
            content="见过老人自行下楼散步，认为评估等级偏高",
        )
        return case
    if state == "assessed":
        return _advance(cast, case, Status.ASSESSED, city=True)
    if state == "concluded_mild":
        return _advance(cast, case, Status.CONCLUDED, adl=80)
    if state == "appeal":
        case = _advance(cast, case, Status.CONCLUDED)
        appeal = services.appeal_request(
            actor=cast.worker,
            conclusion_id=case.conclusion.pk,
            reason=f"{DEMO_TAG}家属认为等级偏低",
        )
        return _advance(cast, appeal, Status.DISPATCHED, city=True)
    return _advance(cast, case, state)


def seed_assessment_demo() -> AssessmentDemoReport:
    """Create the demo cases (once); see the module docstring."""
    report = AssessmentDemoReport()
    token = context.set_current(context.ActorContext(channel="cli"))
    try:
        load_scale_presets()
        load_rule_presets()
        # Which grades qualify (publicity or not) is the benefit policy's: settlement's data.
        run_preset_loaders(["policies"])
        with transaction.atomic():
            cast = _cast(report)
            if Application.objects.filter(reason__startswith=DEMO_TAG).exists():
                report.already = True
                return report
            _seed_pool(cast)
            parent = Person.objects.filter(name="王秀兰", applicants__user=cast.applicant).first()
            special = _special_person(cast.worker)
            persons = _persons(cast.worker, len(PLAN) + 2)
            if special is not None:
                persons = [p for p in persons if p.pk != special.pk]
            for state in PLAN:
                if state == "submitted_special" and special is not None:
                    person = special
                elif persons:
                    person = persons.pop(0)
                else:
                    report.skipped.append(state)  # a small demo city: not enough persons
                    continue
                _seed_case(cast, state, person)
                report.created += 1
            if parent is not None and not Application.objects.filter(person=parent).exists():
                case = _intake(cast, parent, online=True)
                _advance(cast, case, Status.PUBLICITY)
                report.created += 1
            _draw_for_the_waiting_case(cast)
    finally:
        context.reset(token)
    for (status,) in Application.objects.filter(reason__contains=DEMO_TAG).values_list("status"):
        report.states[status] = report.states.get(status, 0) + 1
    return report


# --- earlier conclusions, for the care demo --------------------------------------------------

HISTORY_REASON = "演示数据：此前已评估并享受待遇"
# Indicator totals of a complete national-scale sheet giving each qualifying grade.
_SHEETS = {
    3: {"adl": 30, "cognition": 16, "perception": 12},
    4: {"adl": 30, "cognition": 8, "perception": 9},
    5: {"adl": 20, "cognition": 2, "perception": 3},
}


def _sheet(scale, totals: dict[str, int]) -> dict[str, int]:
    answers = {}
    for indicator in scale.indicators:
        remaining = totals[indicator.code]
        for item in indicator.items:
            points = max(p for p in item.points if p <= remaining)
            answers[item.name] = points
            remaining -= points
    return answers


def demo_conclusion(
    *, person: Person, grade: int, issued_on: dt.date, actor=None, letter: bool = True
):
    """An initial case concluded on ``issued_on`` with ``grade`` (3–5), for demo persons who
    have been receiving benefits for months (the care demo opens their entitlements from it).

    The workflow only ever issues today, so this writes the concluded case, its assessment
    (a complete sheet scored with the stored national scale: the grade is computed, not typed)
    and the conclusion with its letter directly. Idempotent per person: an existing conclusion
    of theirs is returned.
    """
    existing = Conclusion.objects.filter(person=person).order_by("-valid_from").first()
    if existing is not None:
        return existing
    load_scale_presets()
    load_rule_presets()
    scale_row = scale_for("national-2021", issued_on)
    result = scoring.score(scale_row.scale, _sheet(scale_row.scale, _SHEETS[grade]))
    rule_row = rules_for(person.region_code, issued_on)
    rules = rule_row.rules
    institution = Organization.objects.filter(name=FIRST_INSTITUTION).first() or (
        Organization.objects.filter(kind=OrgKind.ASSESSMENT).order_by("pk").first()
    )
    if institution is None:
        raise DemoNotSeeded()
    with transaction.atomic():
        application = Application.objects.create(
            number=f"PG{issued_on:%Y%m%d}D{person.pk:05d}",
            kind=Kind.INITIAL,
            channel="counter",
            status=Status.CONCLUDED,
            person=person,
            region_code=person.region_code,
            rules=rule_row,
            applicant_name=f"{person.name[0]}家属",
            relationship="child",
            place="home",
            reason=HISTORY_REASON,
            institution=institution,
            closed_at=clock.now(),
        )
        services._log_creation(application, actor, f"演示数据：{issued_on:%Y-%m-%d}已出具评估结论")
        assessment = Assessment.objects.create(
            application=application,
            institution=institution,
            due_date=issued_on,
            scale_version=scale_row,
            answers=_sheet(scale_row.scale, _SHEETS[grade]),
            submission=1,
            submitted_at=clock.now(),
            scores=dict(result.scores),
            levels=dict(result.levels),
            level_names=dict(result.level_names),
            grade=result.grade,
            grade_label=result.grade_label,
            qualifying=True,
        )
        Application.objects.filter(pk=application.pk).update(current_assessment=assessment)
        conclusion = Conclusion(
            number=f"JL{issued_on:%Y}{application.pk:08d}",
            application=application,
            person=person,
            region_code=application.region_code,
            assessment=assessment,
            grade=result.grade,
            grade_label=result.grade_label,
            qualifying=True,
            scale_version=scale_row,
            rules=rule_row,
            valid_from=issued_on,
            valid_until=rules_engine.validity_end(rules, result.grade, issued_on),
            appeal_until=rules_engine.appeal_deadline(rules, issued_on),
            issued_by=actor if getattr(actor, "pk", None) else None,
        )
        if letter:
            pdf = services._letter_pdf(conclusion, application, assessment)
            conclusion.letter = files.store(application.pk, "pdf", pdf)
            conclusion.letter_sha256 = hashlib.sha256(pdf).hexdigest()
        conclusion.save()
    return conclusion


def demo_history_conclusions():
    """The conclusions :func:`demo_conclusion` wrote."""
    return Conclusion.objects.filter(application__reason=HISTORY_REASON)


def persons_with_cases():
    """Ids of persons with any assessment case (the care demo leaves them to this demo)."""
    return Application.objects.values_list("person_id", flat=True).distinct()
