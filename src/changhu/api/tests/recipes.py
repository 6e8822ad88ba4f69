"""How to make each write operation of the API succeed in the demo city: who calls it, on which
row, with what body, after what preparation. One recipe per operation; the generated tests
(`test_write_rights.py`) fail for an operation that has none, so a new endpoint gets one.

A recipe's ``setup`` runs inside the test's savepoint just before the call and returns the
call: path values, body and files. It may prepare the row the call needs through services
(a draft to withdraw, an objection to handle) or, where only the state matters to the
operation under test, by setting the state directly.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from changhu.core import clock

TWO_YEARS = dt.timedelta(days=730)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Call:
    path: dict = field(default_factory=dict)
    body: object = None
    files: dict | None = None


@dataclass(frozen=True)
class Recipe:
    actor: str | Callable  # a demo login, or a function of the world giving the user
    setup: Callable[[object], Call] = lambda world: Call()

    def user(self, world):
        from changhu.orgs.models import User

        if callable(self.actor):
            return self.actor(world)
        return User.objects.get(username=self.actor)


def today() -> dt.date:
    return clock.today()


def _last_month_report() -> dict:
    from changhu.core import months

    return {"name": "ltci-monthly", "period": months.key(months.shift(clock.today(), -1))}


def days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


def last_month() -> str:
    first = today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def user(username: str):
    from changhu.orgs.models import User

    return User.objects.get(username=username)


def in_scope(username: str, queryset, field_name: str = "region_code"):
    """The rows of ``queryset`` inside the region scope of ``username``."""
    from changhu.core.scope import scope_of

    return queryset.filter(scope_of(user(username)).region_q(field_name))


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (uuid.uuid4().int % 256, 90, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- insured ---------------------------------------------------------------------------------


def _person(username: str = "caseworker", **filters):
    from changhu.insured.models import Person

    return in_scope(username, Person.objects.filter(status="active", **filters)).order_by("pk")[0]


def _fresh_person():
    """A newly registered person in the case worker's scope, with no case and no benefit."""
    from tests.factories import make_person

    return make_person(_region_of_scope(), name="钱新华")


def _new_person(world) -> Call:
    from tests.factories import mobile, valid_id_number

    region = _person().region_code
    return Call(
        body={
            "name": "赵新民",
            "id_number": valid_id_number(region[:6]),
            "phone": mobile(),
            "address": "锦江区测试路1号",
            "region_code": region,
            "insurance_type": "employee",
            "enrolment_start": "2020-01-01",
        }
    )


def _person_update(world) -> Call:
    person = _person()
    return Call(
        path={"person_id": person.pk},
        body={
            "name": person.name,
            "phone": "13900001111",
            "address": "锦江区新地址2号",
            "region_code": person.region_code,
            "insurance_type": "resident",
            "version": person.version,
        },
    )


def _import_csv(rows: list[dict[str, str]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _persons_file():
    from tests.factories import import_row

    return upload("persons.csv", _import_csv([import_row(_region_of_scope())]))


def _region_of_scope():
    from changhu.orgs.models import Region

    return Region.objects.get(code=_person().region_code)


def _register_batch(world):
    from changhu.insured import imports

    batch = imports.import_upload(
        actor=user("caseworker"), kind="persons", upload=_persons_file(), file_name="persons.csv"
    )
    return Call(path={"batch_id": batch.pk}, body={"mode": "valid_only"})


# --- providers -------------------------------------------------------------------------------


def _institution(username: str = "careadmin"):
    from changhu.core.scope import scope_of
    from changhu.providers.models import Institution

    return Institution.objects.get(organization_id=scope_of(user(username)).organization_id)


def _agreement():
    return _institution().agreements.order_by("-valid_until")[0]


def _submitted_admission():
    from changhu.providers.models import Admission

    return Admission.objects.filter(status="submitted").order_by("pk")[0]


def _admission_in(state: str):
    from changhu.providers import services

    admission = _submitted_admission()
    bureau = user("bureau")
    if state in ("under_review", "inspecting"):
        services.admission_start_review(actor=bureau, admission_id=admission.pk)
    if state == "inspecting":
        services.admission_schedule_inspection(
            actor=bureau, admission_id=admission.pk, planned_on=today()
        )
    return admission


def _own_admission(world) -> Call:
    """An application the new care organization's administrator submitted."""
    from changhu.providers import services

    admission = services.admission_submit(
        actor=_new_care_org_admin(world),
        data=services.AdmissionInput(**_admission_body(world, exists=True).body),
    )
    return Call(path={"admission_id": admission.pk}, body={"reason": "暂不申请"})


def _new_care_org_admin(world):
    """The administrator of a care organization not yet designated (created by the setup)."""
    from changhu.orgs.models import OrgKind, Region
    from changhu.orgs.roles import Role
    from tests.factories import OrganizationFactory, UserFactory

    org = OrganizationFactory(
        kind=OrgKind.CARE,
        name="锦江新申请护理站",
        region=Region.objects.get(code="510104"),
        care_kind="home_service",
    )
    return UserFactory(username="applying_admin", role=Role.CARE_ADMIN, organization=org)


def _admission_body(world, *, exists: bool = False) -> Call:
    from changhu.providers import rules

    org = (user("applying_admin") if exists else _new_care_org_admin(world)).organization
    return Call(
        body={
            "name": org.name,
            "uscc": rules.make_uscc(f"52510104MJ{org.pk:07d}"),
            "care_kind": "home_service",
            "region_code": "510104",
            "address": "锦江区申请路3号",
            "beds": 0,
            "care_modes": ["home_visit"],
            "staff_count": 10,
            "nurse_count": 2,
            "care_worker_count": 6,
            "legal_representative": "周立",
            "contact_name": "周立",
            "contact_phone": "13800001234",
        }
    )


def _caregiver(username: str = "careadmin", **filters):
    from changhu.providers.models import Caregiver

    return Caregiver.objects.filter(
        institution=_institution(username), status="active", user=None, **filters
    ).order_by("pk")[0]


def _assessor():
    """The demo assessor 吴海燕 (login ``assessor``) in the assessor register."""
    from changhu.providers.models import Assessor

    return Assessor.objects.get(user__username="assessor")


def _assessment_institution():
    from changhu.providers.models import Institution

    return Institution.all_kinds.filter(organization__kind="assessment", status="active").order_by(
        "pk"
    )[0]


def _caregivers_file():
    from changhu.providers import imports

    content, _, _ = imports.PIPELINE.template(kind="caregivers", file_format="csv")
    header = content.decode("utf-8-sig").splitlines()[0]
    names = [h.strip().lstrip("*") for h in header.split(",")]
    from tests.factories import mobile, valid_id_number

    values = {
        "姓名": "钱丽",
        "身份证号码": valid_id_number("510104", dt.date(1980, 5, 6)),
        "联系电话": mobile(),
        "类别": "机构护理员",
        "资质": "护理员",
        "入职日期": "2022-01-01",
    }
    row = [values.get(n, "") for n in names]
    return upload("caregivers.csv", (header + "\n" + ",".join(row) + "\n").encode("utf-8"))


def _providers_batch(world):
    from changhu.providers import imports

    batch = imports.import_upload(
        actor=user("careadmin"),
        kind="caregivers",
        upload=_caregivers_file(),
        file_name="caregivers.csv",
    )
    return Call(path={"batch_id": batch.pk}, body={"mode": "valid_only"})


def users_file(*rows: list[str]):
    """A CSV of logins to import, with the template's header."""
    from changhu.orgs import imports

    content, _, _ = imports.PIPELINE.template(kind="users", file_format="csv")
    header = content.decode("utf-8-sig").splitlines()[0]
    body = "\n".join(",".join(row) for row in rows)
    return upload("users.csv", (header + "\n" + body + "\n").encode("utf-8"))


def _users_batch(world):
    from changhu.orgs import imports

    organization = user("supervisor").organization.name
    batch = imports.PIPELINE.upload(
        actor=user("supervisor"),
        kind="users",
        upload=users_file(["rights_import_1", "导入经办", organization, "商保经办人员", ""]),
        file_name="users.csv",
    )
    return Call(path={"batch_id": batch.pk}, body={"mode": "valid_only"})


# --- care ------------------------------------------------------------------------------------


def _entitlement(username: str = "caseworker"):
    from changhu.care.models import Entitlement

    return in_scope(
        username, Entitlement.objects.filter(status="active"), "person__region_code"
    ).order_by("pk")[0]


def _unused_conclusion(world) -> Call:
    from tests.factories import make_conclusion

    conclusion = make_conclusion(
        _fresh_person(), grade=4, valid_from=today(), valid_until=today() + TWO_YEARS
    )
    return Call(
        body={
            "conclusion_id": conclusion.pk,
            "care_mode": "home_visit",
            "institution_id": _institution().pk,
        }
    )


def _later_conclusion(world) -> Call:
    from tests.factories import make_conclusion

    entitlement = _entitlement()
    previous = entitlement.conclusion
    conclusion = make_conclusion(
        entitlement.person,
        grade=5,
        valid_from=today(),
        valid_until=today() + TWO_YEARS,
        kind="condition_change",
        previous=previous,
    )
    return Call(body={"conclusion_id": conclusion.pk})


def _pause(world) -> Call:
    from changhu.care import services

    entitlement = _entitlement()
    pause = services.entitlement_pause(
        actor=user("caseworker"),
        entitlement_id=entitlement.pk,
        start_date=today() + dt.timedelta(days=1),
        end_date=None,
        reason="外出探亲",
    )
    return Call(path={"pause_id": pause.pk}, body={"end_date": days(5)})


def _plan(username: str = "careadmin", status: str = "confirmed"):
    from changhu.care.models import CarePlan

    return CarePlan.objects.filter(institution=_institution(username), status=status).order_by(
        "pk"
    )[0]


def _draft(world):
    from changhu.care import services

    return services.care_plan_revise(actor=user("careadmin"), plan_id=_plan().pk)


def _plan_items(plan) -> list[dict]:
    return [
        {"item_code": i.item.code, "times": i.times, "period": i.period}
        for i in plan.items.select_related("item")
    ]


def _plan_for_new_person(world) -> Call:
    from changhu.care.models import CarePlan

    plan = _plan()
    CarePlan.objects.filter(person=plan.person).update(status="ended")
    return Call(
        body={
            "person_id": plan.person_id,
            "items": _plan_items(plan),
            "visits_times": plan.visits_times,
            "visits_period": plan.visits_period or None,
        }
    )


def _open_assignment():
    from changhu.care.models import Assignment

    return Assignment.objects.filter(institution=_institution(), end_date=None).order_by("pk")[0]


def _assignment(world) -> Call:
    from changhu.care.models import Assignment

    assignment = Assignment.objects.filter(institution=_institution()).order_by("pk")[0]
    other = (
        type(assignment.caregiver)
        .objects.filter(institution=_institution(), status="active")
        .exclude(pk=assignment.caregiver_id)
        .order_by("pk")[0]
    )
    return Call(body={"person_id": assignment.person_id, "caregiver_id": other.pk})


def _transfer(world, *, chosen: bool = False) -> Call:
    """A pending transfer case of a beneficiary in the case worker's scope who has somewhere to
    go (written directly: only its state matters), chosen already when ``chosen``."""
    from changhu.care import services
    from changhu.care.models import Entitlement, Transfer

    active = Entitlement.objects.filter(status="active").exclude(
        transfers__status__in=["open", "assigned"]
    )
    for entitlement in in_scope("caseworker", active, "person__region_code").order_by("pk"):
        arrangement = entitlement.arrangements.order_by("-start_date")[0]
        transfer = Transfer(
            person=entitlement.person,
            entitlement=entitlement,
            from_institution=arrangement.institution,
            care_mode=arrangement.care_mode,
            cause="institution_terminated",
            stopped_on=today(),
            due_on=today() + dt.timedelta(days=services.TRANSFER_DAYS),
        )
        options = services.transfer_options(transfer)
        if options:
            break
    transfer.save()
    if chosen:
        Transfer.objects.filter(pk=transfer.pk).update(
            status="assigned", to_institution=options[0], choice_channel="case_worker"
        )
    return Call(path={"transfer_id": transfer.pk}, body={"institution_id": options[0].pk})


# --- assessment ------------------------------------------------------------------------------


def _application(status: str, username: str = "caseworker"):
    from changhu.assessment.models import Application

    return in_scope(username, Application.objects.filter(status=status)).order_by("pk")[0]


def _app_call(status: str, body=None, username: str = "caseworker"):
    """The first case in ``status``; ``body`` a dict, or a function giving one (for dates: a
    recipe is made at import, the day is read at the call)."""
    return lambda world: Call(
        path={"application_id": _application(status, username).pk},
        body=(body() if callable(body) else body) or {},
    )


def _dispatched_assessor(world):
    """An assessor of the institution the dispatched case went to (names the team)."""
    from changhu.assessment.models import Application
    from changhu.orgs.models import User

    application = Application.objects.filter(status="dispatched").order_by("pk")[0]
    return User.objects.filter(organization=application.institution, role="assessor")[0]


def _team_member(world):
    """An assessor on the team of the case being assessed on site."""
    from changhu.assessment.models import AssessorAssignment

    team = AssessorAssignment.objects.filter(
        assessment_id=_assigned(world).current_assessment_id, recused_at=None, is_expert=False
    )
    return team.order_by("pk")[0].user


def _dispatched_team(world) -> Call:
    from changhu.assessment.models import Application
    from changhu.orgs.models import User

    application = Application.objects.filter(status="dispatched").order_by("pk")[0]
    members = User.objects.filter(organization=application.institution).order_by("pk")
    assessor = members.filter(role="assessor")[0]
    experts = list(members.filter(role="assessment_expert")[:1])
    return Call(
        path={"application_id": application.pk},
        body={"user_ids": [assessor.pk, *(e.pk for e in experts)]},
    )


def _form(application, *, complete: bool) -> dict:
    from changhu.assessment.models import AssessorAssignment
    from changhu.assessment.tests.conftest import form_payload

    scale = application.current_assessment.scale_version.scale
    answers = {}
    for indicator in scale.indicators:
        for item in indicator.items:
            answers[item.name] = min(item.points)
    present = list(
        AssessorAssignment.objects.filter(
            assessment_id=application.current_assessment_id, recused_at=None
        ).values_list("user_id", flat=True)
    )
    if not complete:
        return {"answers": dict(list(answers.items())[:3]), "present_ids": present}
    return form_payload(answers, present)


def _assigned(world):
    from changhu.assessment.models import Application

    return Application.objects.filter(status="assigned").order_by("pk")[0]


def _onsite_photo(world) -> None:
    from changhu.assessment import services
    from tests.factories import jpeg_bytes

    application = _assigned(world)
    services.document_add(
        actor=_team_member(world),
        application_id=application.pk,
        upload=services.Upload(kind="onsite_photo", file=upload("现场.jpg", jpeg_bytes(7))),
    )


def _form_submit(world) -> Call:
    _onsite_photo(world)
    application = _assigned(world)
    return Call(path={"application_id": application.pk}, body=_form(application, complete=True))


def _to_publicity(world):
    """The confirmed case approved by the case worker and in publicity since yesterday (set so
    directly, whatever its grade: the operations under test only need the state)."""
    from changhu.assessment import services
    from changhu.assessment.models import Application

    application = _application("confirmed")
    services.application_review(
        actor=user("caseworker"), application_id=application.pk, decision="approve", note=""
    )
    Application.objects.filter(pk=application.pk).update(
        status="publicity",
        publicity_from=today() - dt.timedelta(days=1),
        publicity_until=today() + dt.timedelta(days=7),
    )
    application.refresh_from_db()
    return application


def _objection(world):
    from changhu.assessment import services

    application = _to_publicity(world)
    return services.objection_record(
        actor=user("caseworker"),
        application_id=application.pk,
        raised_by="邻居",
        content="认为等级偏高",
        received_on=today(),
    )


def _ready_to_issue(world) -> Call:
    from changhu.assessment.models import Application

    application = _to_publicity(world)
    Application.objects.filter(pk=application.pk).update(status="ready_to_issue")
    return Call(path={"application_id": application.pk})


def _appealable(world) -> Call:
    """A conclusion issued today to a person the applicant acts for (a new one: the demo's
    parent may have a case open, depending on the day)."""
    from changhu.insured.models import ApplicantLink
    from tests.factories import make_conclusion

    person = _fresh_person()
    ApplicantLink.objects.create(user=user("applicant"), person=person, relationship="child")
    conclusion = make_conclusion(
        person, grade=2, valid_from=today(), valid_until=today() + TWO_YEARS
    )
    return Call(
        path={"conclusion_id": conclusion.pk},
        body={"reason": "母亲卧床，等级偏低", "place": "home"},
    )


def _reassessable(world) -> Call:
    from changhu.assessment.models import Application, Conclusion

    open_statuses = [
        "submitted",
        "materials_requested",
        "accepted",
        "dispatched",
        "assigned",
        "assessed",
        "confirmed",
        "publicity",
        "ready_to_issue",
    ]
    busy = Application.objects.filter(status__in=open_statuses).values("person_id")
    conclusion = (
        in_scope("caseworker", Conclusion.objects.filter(superseded_on=None))
        .filter(valid_from__lte=today(), valid_until__gte=today())
        .exclude(person_id__in=busy)
        .order_by("pk")[0]
    )
    return Call(
        path={"person_id": conclusion.person_id},
        body={"kind": "spot_check", "reason": "抽查"},
    )


def _notice(world) -> Call:
    from changhu.assessment.models import Notice

    notice = Notice.objects.filter(application__applicant_user__username="applicant").order_by("pk")
    if not notice.exists():
        from changhu.assessment import services
        from changhu.insured.models import ApplicantLink

        person = ApplicantLink.objects.get(user__username="applicant").person
        services.application_submit(
            actor=user("applicant"),
            data=services.ApplicationInput(
                person_name=person.name,
                person_id_number=person.id_number,
                relationship="child",
                phone="13812345678",
                address="锦江区",
            ),
        )
    return Call(path={"notice_id": notice[0].pk})


# --- visits ----------------------------------------------------------------------------------


def _caregiver_user():
    return user("caregiver")


def _my_caregiver():
    from changhu.providers.models import Caregiver

    return Caregiver.objects.get(user=_caregiver_user())


def _photo_sha(seed: int) -> str:
    from tests.factories import make_photo

    return make_photo(seed).sha256


def _served_person(world):
    """A living person the caregiver is assigned to (the demo's data matching may have
    confirmed the death of one); the caregiver's visits left open are closed first (set so
    directly), since a caregiver serves one home at a time."""
    from changhu.care.models import Assignment
    from changhu.visits.models import Visit

    caregiver = _my_caregiver()
    Visit.objects.filter(caregiver=caregiver, status="in_progress").update(status="cancelled")
    busy = Visit.objects.filter(status="in_progress").values("person_id")
    assignment = (
        Assignment.objects.filter(caregiver=caregiver, end_date=None)
        .exclude(person_id__in=busy)
        .exclude(person__status="deceased")
        .order_by("pk")[0]
    )
    return assignment.person


def _check_in_event(world) -> dict:
    person = _served_person(world)
    return {
        "client_uuid": str(uuid.uuid4()),
        "person_id": person.pk,
        "device_time": clock.now().isoformat(),
        "latitude": float(person.latitude or 30.657),
        "longitude": float(person.longitude or 104.066),
        "accuracy_m": 10,
        "photo_sha256": _photo_sha(11),
    }


def _open_visit(world):
    """A visit the caregiver checked in to (through the service) forty minutes ago."""
    from changhu.visits import services
    from changhu.visits.models import Visit

    event = {**_check_in_event(world), "device_time": clock.now()}
    visit, _ = services.visit_check_in(actor=_caregiver_user(), data=services.CheckIn(**event))
    earlier = clock.now() - dt.timedelta(minutes=40)
    Visit.objects.filter(pk=visit.pk).update(check_in_at=earlier, check_in_device_at=earlier)
    visit.refresh_from_db()
    return visit


def _check_out(world) -> Call:
    from changhu.care.models import CarePlan
    from changhu.visits import services

    visit = _open_visit(world)
    plan = CarePlan.objects.filter(person=visit.person, status="confirmed").first()
    item = plan.items.select_related("item").first().item
    return Call(
        body={
            "client_uuid": str(uuid.uuid4()),
            "visit_uuid": str(visit.client_uuid),
            "device_time": clock.now().isoformat(),
            "latitude": float(visit.check_in_latitude),
            "longitude": float(visit.check_in_longitude),
            "accuracy_m": 10,
            "items": [{"item_id": item.pk, "quantity": 1}],
            "photo_sha256": _photo_sha(12),
            "confirmation_method": "code",
            "confirmation_code": services.family_code_for(visit.person_id, clock.now()),
            "short_reason": "family_request",
            "short_reason_note": "家属要求提前结束",
        }
    )


def _completed_visit(world):
    """A completed visit in the case worker's regions (before the day's first visit of the
    demo, one made six hours earlier)."""
    from changhu.visits.models import Visit

    visit = in_scope("caseworker", Visit.objects.filter(status="completed")).order_by("pk").first()
    if visit is None:
        from tests.factories import make_visit

        start = clock.now() - dt.timedelta(hours=6)
        visit = make_visit(caregiver=_my_caregiver(), person=_served_person(world), start=start)
    return visit


def _finding(world):
    """An open finding in the case worker's regions; one is raised on a completed visit when
    the demo's screening found none (its visits depend on the hour it was seeded)."""
    from changhu.visits.models import Finding

    found = in_scope("caseworker", Finding.objects.filter(status="open")).order_by("pk").first()
    if found is not None:
        return found
    visit = _completed_visit(world)
    return Finding.objects.create(
        visit=visit,
        person_id=visit.person_id,
        institution_id=visit.institution_id,
        caregiver_id=visit.caregiver_id,
        region_code=visit.region_code,
        period=f"{visit.service_date:%Y-%m}",
        service_date=visit.service_date,
        rule_code="too_short",
        severity="medium",
        rule_version=visit.rule_version,
        reason="服务时长过短",
    )


def _stay_owner(*, discharged_today: bool = False):
    """An open stay whose resident is in institutional care there today (the demo's state
    depends on the day: a resident may be in hospital); with ``discharged_today``, the one a
    recipe's setup has just discharged counts too."""
    from django.db.models import Q

    from changhu.care import eligibility
    from changhu.visits.facts import check_in_facts
    from changhu.visits.models import Stay

    stays = Stay.objects.filter(
        Q(discharged_on=None) | Q(discharged_on=today())
        if discharged_today
        else Q(discharged_on=None)
    )
    for stay in stays.order_by("pk"):
        facts = check_in_facts(person_id=stay.person_id, day=today()).facts
        answer = eligibility.answer(facts, today())
        if answer.care_mode == "institutional" and answer.institution_id == stay.institution_id:
            return stay
    raise AssertionError("no resident in institutional care today")


def _stay_admin(world):
    """The administrator of the institution the stay of the recipe is at."""
    from changhu.orgs.models import User

    stay = _stay_owner(discharged_today=True)
    return User.objects.filter(
        organization=stay.institution.organization, role="care_admin"
    ).order_by("pk")[0]


def _new_stay(world) -> Call:
    """The resident discharged today (through the service) and admitted again today."""
    from changhu.visits import services

    stay = _stay_owner()
    services.stay_discharge(actor=_stay_admin(world), stay_id=stay.pk, discharged_on=today())
    return Call(body={"person_id": stay.person_id, "admitted_on": days(0), "bed_number": "3-12"})


def _mark_days(world) -> Call:
    stay = _stay_owner()
    first = max(stay.admitted_on, today() - dt.timedelta(days=3))
    return Call(
        body={
            "person_id": stay.person_id,
            "first": first.isoformat(),
            "last": first.isoformat(),
            "kind": "leave",
        }
    )


def _patrol(world) -> Call:
    """A family-care beneficiary of the care administrator's institution."""
    from changhu.care.models import Arrangement
    from changhu.providers.models import Caregiver
    from changhu.visits import rulesets
    from tests.factories import make_caregiver

    institution = _institution()
    arrangement = (
        Arrangement.objects.filter(institution=institution, care_mode="family", end_date=None)
        .order_by("pk")
        .first()
    )
    if arrangement is None:
        arrangement = Arrangement.objects.filter(institution=institution).order_by("pk")[0]
        Arrangement.objects.filter(pk=arrangement.pk).update(care_mode="family")
    person = arrangement.person
    if not Caregiver.objects.filter(beneficiary=person, kind="family").exists():
        make_caregiver(
            institution,
            kind="family",
            certificate="family_training",
            beneficiary=person,
            name="家属护理员",
        )
    checklist = rulesets.rules_on(today()).checklist
    return Call(
        body={
            "client_uuid": str(uuid.uuid4()),
            "person_id": person.pk,
            "device_time": clock.now().isoformat(),
            "results": {item["code"]: True for item in checklist},
            "latitude": float(person.latitude or 30.657),
            "longitude": float(person.longitude or 104.066),
            "accuracy_m": 10,
            "condition_note": "精神好",
            "photo_sha256s": [_photo_sha(13)],
        }
    )


def _own_patrol(world):
    """A patrol visit of the care administrator's institution (recorded here if it has none)."""
    from changhu.visits import services
    from changhu.visits.models import PatrolVisit

    found = PatrolVisit.objects.filter(institution=_institution()).order_by("pk").first()
    if found is not None:
        return found
    patrol, _ = services.patrol_record(
        actor=user("careadmin"),
        data=services.PatrolInput(**{**_patrol(world).body, "device_time": clock.now()}),
    )
    return patrol


def _open_follow_up(world):
    from changhu.visits import services

    return services.patrol_follow_up_add(
        actor=user("careadmin"),
        patrol_id=_own_patrol(world).pk,
        data=services.FollowUpInput(action="复查翻身记录", due_on=days(3), party="institution"),
    )


# --- settlement and fund ---------------------------------------------------------------------


def _claim(status: str):
    """The first claim in ``status`` with payable lines. The demo's claims depend on its random
    city: when no submitted claim has a payable line left, the first draft that has one is
    submitted by its institution here."""
    from django.db.models import Count, Q

    from changhu.orgs.models import User
    from changhu.settlement import services
    from changhu.settlement.models import Claim

    claims = Claim.objects.filter(status=status).annotate(
        payable=Count("lines", filter=Q(lines__status="payable"))
    )
    found = claims.filter(payable__gt=0).order_by("pk").first()
    if found is None and status == "submitted":
        draft = _claim("draft")
        admin = User.objects.filter(
            organization=draft.institution.organization, role="care_admin"
        ).first()
        return services.claim_submit(actor=admin, claim_id=draft.pk)
    return found or claims.order_by("pk")[0]


def _claim_admin(status: str):
    def actor(world):
        from changhu.orgs.models import User

        return User.objects.filter(
            organization=_claim(status).institution.organization, role="care_admin"
        )[0]

    return actor


def _reviewer(status: str, role: str):
    """A reviewer of the insurer covering the claim's institution (not its first reviewer)."""

    def actor(world):
        from changhu.core.scope import scope_of
        from changhu.orgs.models import User

        claim = _claim(status)
        for candidate in User.objects.filter(role=role).order_by("username"):
            if candidate.pk == claim.first_reviewer_id:
                continue
            if scope_of(candidate).covers_region(claim.institution.region_code):
                return candidate
        raise AssertionError(f"no {role} covers claim {claim.pk}")

    return actor


def _line(claim_status: str, line_status: str = "payable"):
    from changhu.settlement.models import ClaimLine

    return ClaimLine.objects.filter(claim=_claim(claim_status), status=line_status).order_by("pk")[
        0
    ]


def _withdrawn_line(world) -> Call:
    from changhu.settlement import services

    line = _line("draft")
    services.line_withdraw(actor=_claim_admin("draft")(world), line_id=line.pk, reason="未提供服务")
    return Call(path={"line_id": line.pk})


def _adjustment(world) -> Call:
    """A paid line corrected in the open period, for an institution whose claim there is still
    with the institution or in the first review."""
    from changhu.settlement.models import Claim, ClaimLine

    period = _claiming_period()
    reviewed = Claim.objects.filter(period=period).exclude(status__in=["draft", "submitted"])
    line = (
        in_scope("caseworker", ClaimLine.objects.all(), "person__region_code")
        .filter(period__status="paid", period__month__lt=period.month, status="payable")
        .filter(period__region_id=period.region_id, fund_fen__gt=100)
        .exclude(institution_id__in=reviewed.values("institution_id"))
        .order_by("pk")[0]
    )
    return Call(
        body={"line_id": line.pk, "period_id": period.pk, "amount_fen": -100, "reason": "多计一日"}
    )


def _claiming_period():
    from changhu.settlement.models import SettlementPeriod

    return SettlementPeriod.objects.filter(status="claiming").order_by("pk")[0]


def _payable_period(world) -> Call:
    from changhu.settlement.models import Claim

    period = _claiming_period()
    Claim.objects.filter(period=period).update(status="approved")
    return Call(path={"period_id": period.pk})


def _new_period(world) -> Call:
    from changhu.settlement.models import SettlementPeriod

    months = set(SettlementPeriod.objects.values_list("month", flat=True))
    day = today().replace(day=1)
    while f"{day:%Y-%m}" in months:
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return Call(body={"month": f"{day:%Y-%m}", "region_code": "510100"})


def _member(world) -> Call:
    from changhu.settlement.models import PolicyVersion

    plan = PolicyVersion.objects.filter(kind="supplementary").order_by("pk")[0]
    return Call(
        body={
            "plan_code": plan.code,
            "person_id": _person("bureau").pk,
            "year": today().year,
            "paid_from": "cash",
        }
    )


def _budget_line(world) -> Call:
    from changhu.fund.models import Budget

    budget = Budget.objects.order_by("pk")[0]
    return Call(
        body={"year": budget.year, "line": budget.line, "amount_fen": budget.amount_fen + 100}
    )


def _demo_password() -> str:
    from changhu.orgs.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _valid_id() -> str:
    from tests.factories import valid_id_number

    return valid_id_number("510104", dt.date(1985, 4, 3))


def _assessed_expert(world):
    """An expert drawn to confirm the assessed case (the institution's, in a city without an
    expert pool)."""
    from changhu.assessment.models import Application, DrawnExpert
    from changhu.orgs.models import User

    application = Application.objects.filter(status="assessed").order_by("pk")[0]
    drawn = DrawnExpert.objects.filter(
        draw__assessment_id=application.current_assessment_id, draw__active=True
    ).order_by("position")
    if drawn.exists():
        return drawn[0].user
    return User.objects.filter(
        organization=application.institution, role="assessment_expert"
    ).order_by("pk")[0]


def _new_expert_account(world) -> Call:
    """An expert login of the first assessment centre, not yet in the pool."""
    from changhu.assessment.demo import FIRST_INSTITUTION
    from changhu.orgs.models import Organization, User

    user = User.objects.create(
        username="expert9",
        real_name="宋文博",
        role="assessment_expert",
        organization=Organization.objects.get(name=FIRST_INSTITUTION),
    )
    return Call(body={"user_id": user.pk, "profession": "physician", "speciality": "老年医学"})


def _pool_expert():
    from changhu.assessment.models import PoolExpert

    return PoolExpert.objects.filter(active=True).order_by("pk")[0]


def _declared_conflict(world) -> Call:
    from changhu.assessment import services
    from changhu.assessment.models import ExpertConflict
    from changhu.orgs.models import Organization, User

    conflict = ExpertConflict.objects.filter(withdrawn_at__isnull=True).order_by("pk").first()
    if conflict is None:
        conflict = services.conflict_declare(
            actor=User.objects.get(username="bureau"),
            expert_id=_pool_expert().pk,
            kind="institution",
            organization_id=Organization.objects.filter(kind="care").order_by("pk")[0].pk,
        )
    return Call(path={"conflict_id": conflict.pk}, body={"reason": "已离职"})


def _case_to_draw(world) -> Call:
    """The assessed case with its standing draw set aside (only the state matters here)."""
    from changhu.assessment.models import ExpertDraw

    application = _application("assessed")
    ExpertDraw.objects.filter(application=application).update(active=False)
    return Call(path={"application_id": application.pk}, body={})


def _unscreened_month() -> str:
    from changhu.visits.models import ScreeningRun

    taken = set(ScreeningRun.objects.values_list("period", flat=True))
    day = today().replace(day=1)
    while f"{day:%Y-%m}" in taken:
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return f"{day:%Y-%m}"


# --- supervision ----------------------------------------------------------------------------


def _sv_demo_task(status: str):
    from changhu.supervision.models import InspectionTask

    return in_scope("supervisor", InspectionTask.objects.filter(status=status)).order_by("pk")[0]


def _sv_pending_target(world) -> Call:
    from changhu.supervision.models import InspectionTarget

    target = in_scope(
        "caseworker",
        InspectionTarget.objects.filter(status="pending", task__status__in=["planned"]),
    ).order_by("pk")[0]
    answers = {item["code"]: {"ok": True} for item in target.checklist.items}
    return Call(
        path={"target_id": target.pk},
        body={"answers": answers, "latitude": 30.66, "longitude": 104.06, "accuracy_m": 10},
    )


def _sv_notice(status: str):
    from changhu.supervision.models import Rectification

    institution = _sv_careadmin_institution()
    return Rectification.objects.filter(institution=institution, status=status).order_by("pk")[0]


def _sv_careadmin_institution():
    from changhu.providers.models import Institution

    return Institution.objects.get(organization=user("careadmin").organization)


def _sv_submitted_notice(world) -> Call:
    from changhu.supervision import services

    notice = _sv_notice("pending")
    services.rectification_answer(
        actor=user("careadmin"), rectification_id=notice.pk, text="已整改"
    )
    return Call(path={"rectification_id": notice.pk}, body={"decision": "accept"})


def _sv_overdue_notice(world) -> Call:
    from changhu.supervision.models import Rectification

    notice = _sv_notice("pending")
    Rectification.objects.filter(pk=notice.pk).update(deadline=today() - dt.timedelta(days=1))
    return Call()


def _sv_appealable(world) -> Call:
    from changhu.supervision.models import InspectionFinding

    finding = (
        InspectionFinding.objects.filter(
            institution=_sv_careadmin_institution(), status="open", appeals__isnull=True
        )
        .order_by("pk")
        .first()
    )
    return Call(body={"inspection_finding_id": finding.pk, "reason": "现场情况另有原因"})


def _sv_pending_appeal(world) -> Call:
    from changhu.supervision.models import Appeal

    appeal = Appeal.objects.filter(status="pending").order_by("pk")[0]
    return Call(path={"appeal_id": appeal.pk}, body={"decision": "reject", "reason": "证据不足"})


# --- complaints, return visits, surveys (feedback) -------------------------------------------


def _complaint(world, *steps: str):
    """A fresh hotline complaint about a person the case worker's demo visits served, moved
    through ``steps`` (acknowledge, reply) by the case worker."""
    from changhu.feedback import services as feedback

    worker = user("caseworker")
    visit = _completed_visit(world)
    complaint = feedback.complaint_create(
        actor=worker,
        data=feedback.ComplaintInput(
            category="missed_visit",
            content="护理员没有按约定上门",
            complainant_phone="13800138000",
            person_id=visit.person_id,
            caregiver_id=visit.caregiver_id,
        ),
    )
    if "acknowledge" in steps:
        feedback.complaint_acknowledge(actor=worker, complaint_id=complaint.pk)
    if "reply" in steps:
        feedback.complaint_reply(
            actor=worker,
            complaint_id=complaint.pk,
            reply="已核实处理",
            channel="phone",
            substantiated=False,
        )
    return complaint


def _substantiate(world) -> Call:
    complaint = _complaint(world, "acknowledge")
    visit = _completed_visit(world)
    return Call(
        path={"complaint_id": complaint.pk},
        body={"visit_ids": [visit.pk], "note": "家属称当日未上门"},
    )


def _pending_return_visit(world):
    """A return visit still to call (the bureau sees the whole city); one called in the demo is
    set back to pending when every drawn one has been called."""
    from changhu.feedback import services as feedback
    from changhu.feedback.models import ReturnVisit

    feedback.return_visits_draw(actor=None, period=f"{today():%Y-%m}")
    pending = ReturnVisit.objects.filter(status="pending").order_by("pk").first()
    if pending is None:
        pending = ReturnVisit.objects.order_by("pk").first()
        ReturnVisit.objects.filter(pk=pending.pk).update(status="pending")
    return pending


def _redraw(world) -> Call:
    """This month's draws undone, to be drawn again."""
    from changhu.feedback.models import ReturnVisitDraw

    ReturnVisitDraw.objects.filter(period=f"{today():%Y-%m}").delete()
    return Call(body={"period": f"{today():%Y-%m}"})


def _paper_survey(world) -> Call:
    from changhu.feedback.tests.test_services import SURVEY

    return Call(body={"person_id": _completed_visit(world).person_id, "answers": SURVEY})


# --- data matching ---------------------------------------------------------------------------


def _death_list() -> SimpleUploadedFile:
    """A death list naming a person of the case worker's scope and one valid number not held."""
    from tests.factories import valid_id_number

    person = _person()
    rows = [
        {"姓名": person.name, "身份证号码": person.id_number, "死亡日期": days(-3)},
        {"姓名": "某某某", "身份证号码": valid_id_number("510104"), "死亡日期": days(-3)},
    ]
    return upload("deaths.csv", _import_csv(rows))


def _death_batch(world) -> Call:
    from changhu.matching import services

    batch = services.list_upload(
        actor=user("caseworker"),
        kind="deaths",
        source="civil_affairs",
        upload=_death_list(),
        file_name="deaths.csv",
    )
    return Call(path={"batch_id": batch.pk})


def _pending_match(world) -> Call:
    from changhu.matching.models import MatchRecord

    record = in_scope("caseworker", MatchRecord.objects.filter(status="pending")).order_by("pk")[0]
    return Call(path={"record_id": record.pk})


def _recovery(world) -> Call:
    from changhu.matching.models import RecoveryProposal

    proposal = in_scope("caseworker", RecoveryProposal.objects.filter(status="proposed"))
    return Call(path={"proposal_id": proposal.order_by("pk")[0].pk})


def _last_quarter() -> str:
    from changhu.scorecards.periods import last_complete_quarter

    return last_complete_quarter(today()).key


def _scorecard_call(w) -> Call:
    """A demo care institution's card of the last ended quarter, in the case worker's scope."""
    from changhu.scorecards.models import Scorecard

    card = in_scope("caseworker", Scorecard.objects.filter(kind="care-institution")).order_by("pk")[
        0
    ]
    return Call(
        path={"kind": card.kind, "period": card.period, "org_id": card.organization_id},
        body={"indicator_code": "inspection_points", "points": "12", "reason": "台账齐全"},
        files={"evidence": upload("现场检查记录.pdf", PDF_BYTES)},
    )


def _consequence(world, action: str = "warning") -> Call:
    """A consequence the demo's scores call for, still waiting for the bureau."""
    from changhu.scorecards.models import ConsequenceProposal

    waiting = ConsequenceProposal.objects.filter(status="proposed", action=action)
    return Call(path={"proposal_id": in_scope("bureau", waiting).order_by("pk")[0].pk})


def _training_held():
    """The demo's ended session (its roll entered, certificates issued)."""
    from changhu.training.models import Session

    return Session.objects.filter(ends_on__lt=today()).order_by("pk")[0]


def _training_new_session(w) -> Call:
    """A session of the demo course starting today, with careadmin's first uncertified-for-it
    care worker on the roll (to score, issue or withdraw)."""
    from changhu.providers.models import Caregiver
    from changhu.training import services

    bureau = user("bureau")
    held = _training_held()
    session = services.session_create(
        actor=bureau,
        course_id=held.course_id,
        data=services.SessionInput(
            starts_on=today(), ends_on=today(), place="培训中心", capacity=10
        ),
    )
    caregiver = Caregiver.objects.filter(
        kind="staff", status="active", institution__organization=user("careadmin").organization
    ).order_by("pk")[0]
    enrolment = services.enrol(actor=bureau, session_id=session.pk, caregiver_id=caregiver.pk)
    return Call(path={"session_id": session.pk, "enrolment_id": enrolment.pk})


def _training_roll(w) -> Call:
    call = _training_new_session(w)
    rows = [{"enrolment_id": call.path["enrolment_id"], "attended": True, "score": "88"}]
    return Call(path={"session_id": call.path["session_id"]}, body={"rows": rows})


def _training_passed(w) -> Call:
    from changhu.training import services

    call = _training_new_session(w)
    services.roll_record(
        actor=user("bureau"),
        session_id=call.path["session_id"],
        rows=[services.RollRow(call.path["enrolment_id"], True, "90")],
    )
    return call


def _training_enrol(w) -> Call:
    """The demo's upcoming session (nobody on its roll) and careadmin's first care worker."""
    from changhu.providers.models import Caregiver
    from changhu.training.models import Session

    upcoming = Session.objects.filter(starts_on__gt=today()).order_by("pk")[0]
    caregiver = Caregiver.objects.filter(
        kind="staff", status="active", institution__organization=user("careadmin").organization
    ).order_by("pk")[0]
    return Call(path={"session_id": upcoming.pk}, body={"caregiver_id": caregiver.pk})


def _fee_case(w) -> Call:
    """A conclusion of last month in the demo city that no fee run has paid (the demo settled
    this month's), and last month to compute."""
    from django.utils import timezone

    from changhu.assessment.models import Conclusion
    from tests.factories import make_conclusion

    conclusion = make_conclusion(_fresh_person())
    issued = dt.datetime.combine(dt.date.fromisoformat(f"{last_month()}-15"), dt.time(10))
    Conclusion.objects.filter(pk=conclusion.pk).update(issued_at=timezone.make_aware(issued))
    return Call(body={"month": last_month()})


def _fee_run(w) -> Call:
    """Last month's assessment fees of the demo city, computed by the case worker."""
    from changhu.assessment_fees import services

    _fee_case(w)
    run = services.run_compute(actor=user("caseworker"), month=last_month())
    return Call(path={"run_id": run.pk}, body={"reason": "补录结论后重新计算"})


def _fee_statement(w, *, approved: bool = False) -> Call:
    from changhu.assessment_fees import services
    from changhu.assessment_fees.models import FeeStatement

    run_id = _fee_run(w).path["run_id"]
    statement = FeeStatement.objects.filter(run_id=run_id).order_by("pk")[0]
    if approved:
        services.statement_approve(actor=user("bureau"), statement_id=statement.pk)
    return Call(path={"statement_id": statement.pk})


RECIPES: dict[str, Recipe] = {
    # --- sign-in and the caller's own account
    "POST /auth/token": Recipe(
        None, lambda w: Call(body={"username": "caseworker", "password": _demo_password()})
    ),
    "POST /auth/password": Recipe(
        "caseworker",
        lambda w: Call(
            body={"old_password": _demo_password(), "new_password": "Rights-Check-2026!"}
        ),
    ),
    "POST /auth/token/revoke": Recipe("caseworker"),
    # --- staff administration
    "POST /manage/users": Recipe(
        "supervisor",
        lambda w: Call(
            body={
                "username": "rights_new_worker",
                "real_name": "新经办",
                "organization_id": user("supervisor").organization_id,
                "role": "insurer_case_worker",
            }
        ),
    ),
    "POST /manage/users/{user_id}/disable": Recipe(
        "supervisor", lambda w: Call(path={"user_id": user("caseworker").pk})
    ),
    "POST /manage/users/{user_id}/unlock": Recipe(
        "supervisor", lambda w: Call(path={"user_id": user("caseworker").pk})
    ),
    "POST /manage/users/{user_id}/password-reset": Recipe(
        "supervisor", lambda w: Call(path={"user_id": user("caseworker").pk})
    ),
    # --- the register
    "POST /insured/persons": Recipe("caseworker", _new_person),
    "PUT /insured/persons/{person_id}": Recipe("caseworker", _person_update),
    "POST /insured/persons/{person_id}/reveal": Recipe(
        "caseworker", lambda w: Call(path={"person_id": _person().pk}, body={"fields": ["phone"]})
    ),
    "POST /insured/persons/{person_id}/status": Recipe(
        "caseworker",
        lambda w: Call(
            path={"person_id": _person().pk}, body={"status": "suspended", "reason": "停保"}
        ),
    ),
    "POST /insured/persons/{person_id}/life-events": Recipe(
        "caseworker",
        lambda w: Call(
            path={"person_id": _person().pk},
            body={"kind": "hospital_stay", "start_date": days(-3), "institution": "市一医院"},
        ),
    ),
    "POST /imports": Recipe(
        "caseworker", lambda w: Call(body={"kind": "persons"}, files={"file": _persons_file()})
    ),
    "POST /imports/{batch_id}/commit": Recipe("caseworker", _register_batch),
    "POST /imports/{batch_id}/discard": Recipe(
        "caseworker", lambda w: Call(path=_register_batch(w).path)
    ),
    # --- institutions, admissions, caregivers
    "POST /providers/institutions/{institution_id}/status": Recipe(
        "bureau",
        lambda w: Call(
            path={"institution_id": _institution().pk},
            body={"action": "suspend", "reason": "检查整改", "effective_on": days(0)},
        ),
    ),
    "PUT /providers/institutions/{institution_id}/profile": Recipe(
        "bureau",
        lambda w: Call(path={"institution_id": _institution().pk}, body={"staff_count": 99}),
    ),
    "POST /providers/institutions/{institution_id}/service-points": Recipe(
        "bureau",
        lambda w: Call(
            path={"institution_id": _institution().pk},
            body={
                "name": "东门服务站",
                "address": "锦江区东门街5号",
                "region_code": _institution().region_code,
            },
        ),
    ),
    "POST /providers/institutions/{institution_id}/agreements": Recipe(
        "bureau",
        lambda w: Call(
            path={"institution_id": _institution().pk},
            body={
                "number": "XY-NEXT-01",
                "valid_from": (_agreement().valid_until + dt.timedelta(days=1)).isoformat(),
                "valid_until": (_agreement().valid_until + dt.timedelta(days=730)).isoformat(),
            },
        ),
    ),
    "POST /providers/agreements/{agreement_id}/renew": Recipe(
        "bureau",
        lambda w: Call(
            path={"agreement_id": _agreement().pk},
            body={"valid_until": (_agreement().valid_until + dt.timedelta(days=730)).isoformat()},
        ),
    ),
    "POST /providers/agreements/{agreement_id}/terminate": Recipe(
        "bureau",
        lambda w: Call(
            path={"agreement_id": _agreement().pk},
            body={"ended_on": days(10), "reason": "机构申请解除"},
        ),
    ),
    "POST /providers/admissions": Recipe("applying_admin", _admission_body),
    "POST /providers/admissions/{admission_id}/review": Recipe(
        "bureau", lambda w: Call(path={"admission_id": _submitted_admission().pk})
    ),
    "POST /providers/admissions/{admission_id}/inspection": Recipe(
        "bureau",
        lambda w: Call(
            path={"admission_id": _admission_in("under_review").pk},
            body={"planned_on": days(3)},
        ),
    ),
    "POST /providers/admissions/{admission_id}/inspection-result": Recipe(
        "bureau",
        lambda w: Call(
            path={"admission_id": _admission_in("inspecting").pk},
            body={"inspected_on": days(0), "passed": True, "notes": "符合"},
        ),
    ),
    "POST /providers/admissions/{admission_id}/approve": Recipe(
        "bureau",
        lambda w: Call(
            path={"admission_id": _admission_in("under_review").pk},
            body={"agreement": {"valid_until": days(730)}, "reason": "准入"},
        ),
    ),
    "POST /providers/admissions/{admission_id}/refuse": Recipe(
        "bureau",
        lambda w: Call(
            path={"admission_id": _submitted_admission().pk}, body={"reason": "床位不足"}
        ),
    ),
    "POST /providers/admissions/{admission_id}/withdraw": Recipe("applying_admin", _own_admission),
    "POST /providers/caregivers": Recipe(
        "careadmin",
        lambda w: Call(
            body={
                "name": "孙慧",
                "id_number": _valid_id(),
                "phone": "13700001111",
                "qualification": "care_worker",
                "hired_on": "2023-03-01",
            }
        ),
    ),
    "PUT /providers/caregivers/{caregiver_id}": Recipe(
        "careadmin",
        lambda w: Call(
            path={"caregiver_id": _caregiver().pk},
            body={
                "phone": "13700002222",
                "qualification": "care_worker",
                "version": _caregiver().version,
            },
        ),
    ),
    "POST /providers/caregivers/{caregiver_id}/status": Recipe(
        "careadmin",
        lambda w: Call(
            path={"caregiver_id": _caregiver().pk}, body={"action": "suspend", "reason": "病假"}
        ),
    ),
    "POST /providers/caregivers/{caregiver_id}/reveal": Recipe(
        "careadmin",
        lambda w: Call(path={"caregiver_id": _caregiver().pk}, body={"fields": ["phone"]}),
    ),
    "POST /providers/caregivers/{caregiver_id}/certificates": Recipe(
        "careadmin",
        lambda w: Call(
            path={"caregiver_id": _caregiver().pk},
            body={
                "kind": "health",
                "number": "JK2026001",
                "issued_on": days(-30),
                "expires_on": days(335),
            },
        ),
    ),
    "POST /providers/caregivers/{caregiver_id}/trainings": Recipe(
        "careadmin",
        lambda w: Call(
            path={"caregiver_id": _caregiver().pk},
            body={"topic": "压疮预防", "trainer": "李老师", "held_on": days(-1), "hours": 2},
        ),
    ),
    "POST /providers/assessors": Recipe(
        "bureau",
        lambda w: Call(
            body={
                "institution_id": _assessment_institution().pk,
                "name": "唐建军",
                "id_number": _valid_id(),
                "phone": "13700003333",
                "profession": "doctor",
                "title": "副主任医师",
            }
        ),
    ),
    "PUT /providers/assessors/{assessor_id}": Recipe(
        "bureau",
        lambda w: Call(
            path={"assessor_id": _assessor().pk},
            body={"phone": "13700004444", "profession": "nurse", "version": _assessor().version},
        ),
    ),
    "POST /providers/assessors/{assessor_id}/status": Recipe(
        "bureau",
        lambda w: Call(
            path={"assessor_id": _assessor().pk}, body={"action": "suspend", "reason": "投诉核查"}
        ),
    ),
    "POST /providers/assessors/{assessor_id}/certificates": Recipe(
        "bureau",
        lambda w: Call(
            path={"assessor_id": _assessor().pk},
            body={
                "kind": "physician",
                "number": "YS2026001",
                "issued_on": days(-30),
                "expires_on": days(1800),
            },
        ),
    ),
    "POST /providers/assessors/{assessor_id}/trainings": Recipe(
        "bureau",
        lambda w: Call(
            path={"assessor_id": _assessor().pk},
            body={"topic": "评估规范复训", "trainer": "市医保局", "held_on": days(-1), "hours": 4},
        ),
    ),
    "POST /providers/imports/upload/{kind}": Recipe(
        "careadmin",
        lambda w: Call(path={"kind": "caregivers"}, files={"file": _caregivers_file()}),
    ),
    "POST /providers/imports/{batch_id}/commit": Recipe("careadmin", _providers_batch),
    "POST /providers/imports/{batch_id}/discard": Recipe(
        "careadmin", lambda w: Call(path=_providers_batch(w).path)
    ),
    # --- entitlements, plans, assignments
    "POST /care/entitlements": Recipe("caseworker", _unused_conclusion),
    "POST /care/entitlements/reassessment": Recipe("caseworker", _later_conclusion),
    "POST /care/entitlements/{entitlement_id}/arrangements": Recipe(
        "caseworker",
        lambda w: Call(
            path={"entitlement_id": _entitlement().pk},
            body={"effective_date": days(1), "social_support": True, "reason": "家属申请"},
        ),
    ),
    "POST /care/entitlements/{entitlement_id}/pauses": Recipe(
        "caseworker",
        lambda w: Call(
            path={"entitlement_id": _entitlement().pk},
            body={"start_date": days(1), "end_date": days(10), "reason": "外出探亲"},
        ),
    ),
    "POST /care/pauses/{pause_id}/end": Recipe("caseworker", _pause),
    "POST /care/entitlements/{entitlement_id}/terminate": Recipe(
        "caseworker",
        lambda w: Call(
            path={"entitlement_id": _entitlement().pk},
            body={"end_date": days(0), "reason": "other", "note": "家属申请终止"},
        ),
    ),
    "POST /care/plans": Recipe("careadmin", _plan_for_new_person),
    "PUT /care/plans/{plan_id}": Recipe(
        "careadmin",
        lambda w: (
            lambda draft: Call(
                path={"plan_id": draft.pk}, body={"items": _plan_items(draft), "note": "调整"}
            )
        )(_draft(w)),
    ),
    "POST /care/plans/{plan_id}/revise": Recipe(
        "careadmin", lambda w: Call(path={"plan_id": _plan().pk})
    ),
    "POST /care/plans/{plan_id}/withdraw": Recipe(
        "careadmin", lambda w: Call(path={"plan_id": _draft(w).pk})
    ),
    "POST /care/plans/{plan_id}/confirm": Recipe(
        "caseworker",
        lambda w: Call(
            path={"plan_id": _draft(w).pk},
            body={"channel": "counter", "signer_name": "张小梅", "signer_relationship": "child"},
        ),
    ),
    "POST /care/assignments": Recipe("careadmin", _assignment),
    "POST /care/assignments/{assignment_id}/end": Recipe(
        "careadmin",
        lambda w: Call(path={"assignment_id": _open_assignment().pk}, body={"end_date": days(0)}),
    ),
    "POST /care/transfers/{transfer_id}/assign": Recipe("caseworker", _transfer),
    "POST /care/transfers/{transfer_id}/complete": Recipe(
        "caseworker", lambda w: Call(path=_transfer(w, chosen=True).path, body={})
    ),
    "POST /care/transfers/{transfer_id}/cancel": Recipe(
        "caseworker", lambda w: Call(path=_transfer(w).path, body={"reason": "家属放弃"})
    ),
    # --- applications and assessments
    "POST /assessment/applications": Recipe(
        "caseworker",
        lambda w: Call(
            body={
                "person_id": _fresh_person().pk,
                "applicant_name": "钱小红",
                "relationship": "child",
                "phone": "13812345678",
                "address": "锦江区测试路8号",
            }
        ),
    ),
    "POST /assessment/applications/{application_id}/documents": Recipe(
        "caseworker",
        lambda w: Call(
            path={"application_id": _application("submitted").pk},
            body={"kind": "medical_record"},
            files={"file": upload("病历.pdf", PDF_BYTES)},
        ),
    ),
    "POST /assessment/applications/{application_id}/contact": Recipe(
        "caseworker", _app_call("submitted")
    ),
    "POST /assessment/applications/{application_id}/accept": Recipe(
        "caseworker", _app_call("submitted", {"note": "材料齐全"})
    ),
    "POST /assessment/applications/{application_id}/refuse": Recipe(
        "caseworker", _app_call("submitted", {"reason": "materials", "text": "缺病历"})
    ),
    "POST /assessment/applications/{application_id}/request-materials": Recipe(
        "caseworker", _app_call("submitted", lambda: {"note": "请补充病历", "due_date": days(10)})
    ),
    "POST /assessment/applications/{application_id}/resubmit": Recipe(
        "caseworker", _app_call("materials_requested", {"note": "已补充"})
    ),
    "POST /assessment/applications/{application_id}/withdraw": Recipe(
        "caseworker", _app_call("submitted", {"note": "家属撤回"})
    ),
    "POST /assessment/applications/{application_id}/dispatch": Recipe(
        "caseworker", _app_call("accepted", {})
    ),
    "POST /assessment/applications/{application_id}/recall": Recipe(
        "caseworker", _app_call("dispatched", {"reason": "改派"})
    ),
    "POST /assessment/applications/{application_id}/assessors": Recipe(
        _dispatched_assessor, _dispatched_team
    ),
    "POST /assessment/applications/{application_id}/recuse": Recipe(
        _team_member,
        lambda w: Call(path={"application_id": _assigned(w).pk}, body={"reason": "系亲属"}),
    ),
    "PUT /assessment/applications/{application_id}/form": Recipe(
        _team_member,
        lambda w: Call(
            path={"application_id": _assigned(w).pk}, body=_form(_assigned(w), complete=False)
        ),
    ),
    "POST /assessment/applications/{application_id}/form/score": Recipe(
        _team_member,
        lambda w: Call(
            path={"application_id": _assigned(w).pk},
            body={"answers": _form(_assigned(w), complete=False)["answers"]},
        ),
    ),
    "POST /assessment/applications/{application_id}/form/submit": Recipe(
        _team_member, _form_submit
    ),
    "POST /assessment/applications/{application_id}/confirm": Recipe(
        _assessed_expert,
        lambda w: Call(
            path={"application_id": _application("assessed").pk}, body={"decision": "confirm"}
        ),
    ),
    "POST /assessment/experts": Recipe("bureau", _new_expert_account),
    "POST /assessment/experts/{expert_id}/deactivate": Recipe(
        "bureau", lambda w: Call(path={"expert_id": _pool_expert().pk}, body={"reason": "调离"})
    ),
    "POST /assessment/experts/{expert_id}/conflicts": Recipe(
        "bureau",
        lambda w: Call(
            path={"expert_id": _pool_expert().pk},
            body={"kind": "institution", "organization_id": _pool_expert().institution_id},
        ),
    ),
    "POST /assessment/conflicts/{conflict_id}/withdraw": Recipe("bureau", _declared_conflict),
    "POST /assessment/applications/{application_id}/draws": Recipe("caseworker", _case_to_draw),
    "POST /assessment/applications/{application_id}/review": Recipe(
        "caseworker", _app_call("confirmed", {"decision": "approve"})
    ),
    "POST /assessment/applications/{application_id}/objections": Recipe(
        "caseworker",
        lambda w: Call(
            path={"application_id": _to_publicity(w).pk},
            body={"raised_by": "邻居", "content": "认为等级偏高", "received_on": days(0)},
        ),
    ),
    "POST /assessment/objections/{objection_id}/handle": Recipe(
        "caseworker",
        lambda w: Call(
            path={"objection_id": _objection(w).pk},
            body={"decision": "dismissed", "note": "经核实不成立"},
        ),
    ),
    "POST /assessment/applications/{application_id}/issue": Recipe("caseworker", _ready_to_issue),
    "POST /assessment/conclusions/{conclusion_id}/appeal": Recipe("applicant", _appealable),
    "POST /assessment/persons/{person_id}/reassessments": Recipe("caseworker", _reassessable),
    "POST /assessment/notices/{notice_id}/read": Recipe("applicant", _notice),
    "POST /assessment/scales/{code}/score": Recipe(
        "caseworker",
        lambda w: Call(path={"code": "national-2021"}, body={"answers": {"进食": 10}}),
    ),
    # --- visits, bed-days, patrols, screening
    "POST /visits/photos": Recipe(
        "caregiver", lambda w: Call(files={"file": upload("服务.jpg", jpeg())})
    ),
    "POST /visits/check-in": Recipe("caregiver", lambda w: Call(body=_check_in_event(w))),
    "POST /visits/check-out": Recipe("caregiver", _check_out),
    "POST /visits/batch": Recipe(
        "caregiver",
        lambda w: Call(body={"events": [{"type": "check_in", **_check_in_event(w)}]}),
    ),
    "POST /visits/{visit_id}/cancel": Recipe(
        "careadmin", lambda w: Call(path={"visit_id": _open_visit(w).pk}, body={"reason": "不在家"})
    ),
    "POST /visits/findings/{finding_id}/resolve": Recipe(
        "caseworker",
        lambda w: Call(
            path={"finding_id": _finding(w).pk}, body={"decision": "dismiss", "reason": "已核实"}
        ),
    ),
    "POST /visits/screening-runs": Recipe(
        "caseworker", lambda w: Call(body={"period": _unscreened_month()})
    ),
    "POST /visits/stays": Recipe(_stay_admin, _new_stay),
    "POST /visits/stays/{stay_id}/discharge": Recipe(
        _stay_admin,
        lambda w: Call(path={"stay_id": _stay_owner().pk}, body={"discharged_on": days(0)}),
    ),
    "POST /visits/bed-days/mark": Recipe(_stay_admin, _mark_days),
    "POST /visits/patrols": Recipe("careadmin", _patrol),
    "POST /visits/patrols/{patrol_id}/follow-ups": Recipe(
        "careadmin",
        lambda w: Call(
            path={"patrol_id": _own_patrol(w).pk},
            body={"action": "教会家属每两小时翻身", "due_on": days(7), "party": "family_caregiver"},
        ),
    ),
    "POST /visits/patrols/follow-ups/{follow_up_id}/done": Recipe(
        "careadmin",
        lambda w: Call(path={"follow_up_id": _open_follow_up(w).pk}, body={"note": "已复查"}),
    ),
    # --- settlement
    "POST /settlement/benefit/calculate": Recipe(
        "caseworker",
        lambda w: Call(
            body={
                "policy": "chengdu",
                "period": "2026-10",
                "input": {"grade": 5, "care_mode": "home_visit", "eligible_from": "2026-10-16"},
            }
        ),
    ),
    "POST /settlement/periods": Recipe("bureau", _new_period),
    "POST /settlement/periods/{period_id}/runs": Recipe(
        "bureau", lambda w: Call(path={"period_id": _claiming_period().pk})
    ),
    "POST /settlement/periods/{period_id}/pay": Recipe("bureau", _payable_period),
    "POST /settlement/claims/{claim_id}/submit": Recipe(
        _claim_admin("draft"), lambda w: Call(path={"claim_id": _claim("draft").pk})
    ),
    "POST /settlement/claims/{claim_id}/first-review": Recipe(
        _reviewer("submitted", "insurer_case_worker"),
        lambda w: Call(path={"claim_id": _claim("submitted").pk}, body={"approve": True}),
    ),
    "POST /settlement/claims/{claim_id}/second-review": Recipe(
        _reviewer("first_reviewed", "insurer_supervisor"),
        lambda w: Call(path={"claim_id": _claim("first_reviewed").pk}, body={"approve": True}),
    ),
    "POST /settlement/lines/{line_id}/withdraw": Recipe(
        _claim_admin("draft"),
        lambda w: Call(path={"line_id": _line("draft").pk}, body={"reason": "未提供服务"}),
    ),
    "POST /settlement/lines/{line_id}/reject": Recipe(
        _reviewer("submitted", "insurer_case_worker"),
        lambda w: Call(
            path={"line_id": _line("submitted").pk},
            body={"reason_code": "other", "reason": "记录不全"},
        ),
    ),
    "POST /settlement/lines/{line_id}/restore": Recipe(_claim_admin("draft"), _withdrawn_line),
    "POST /settlement/adjustments": Recipe("caseworker", _adjustment),
    "POST /settlement/tariffs": Recipe(
        "bureau",
        lambda w: Call(
            body={
                "institution_id": _institution().pk,
                "valid_from": days(1),
                "bed_day_fen": 12000,
            }
        ),
    ),
    "POST /settlement/members": Recipe("bureau", _member),
    # --- the fund
    "POST /fund/contributions": Recipe(
        "bureau",
        lambda w: Call(
            body={
                "period": last_month(),
                "source": "individual",
                "amount_fen": 1000000,
                "payer_count": 10,
            }
        ),
    ),
    "POST /fund/fees": Recipe(
        "bureau",
        lambda w: Call(body={"period": last_month(), "amount_fen": 5000, "memo": "经办费"}),
    ),
    "POST /fund/recoveries": Recipe(
        "bureau",
        lambda w: Call(body={"period": last_month(), "amount_fen": 3000, "memo": "追回款"}),
    ),
    "PUT /fund/budget": Recipe("bureau", _budget_line),
    "PUT /fund/thresholds": Recipe(
        "bureau",
        lambda w: Call(body={"indicator": "payout_ratio", "level": "warning", "value": "0.85"}),
    ),
    # --- supervision: inspections, rectifications, appeals
    "POST /supervision/inspections": Recipe(
        "supervisor",
        lambda w: Call(
            body={
                "title": "青羊区专项检查",
                "kind": "special",
                "period": today().strftime("%Y-%m"),
                "region_code": "510105",
                "institution_sample": 1,
                "beneficiary_sample": 0,
                "seed": 11,
            }
        ),
    ),
    "POST /supervision/inspections/{task_id}/cancel": Recipe(
        "supervisor",
        lambda w: Call(path={"task_id": _sv_demo_task("planned").pk}, body={"reason": "计划调整"}),
    ),
    "POST /supervision/inspections/targets/{target_id}/record": Recipe(
        "caseworker", _sv_pending_target
    ),
    "POST /supervision/inspections/photos": Recipe(
        "caseworker", lambda w: Call(files={"file": upload("现场.jpg", jpeg())})
    ),
    "POST /supervision/rectifications/{rectification_id}/answer": Recipe(
        "careadmin",
        lambda w: Call(
            path={"rectification_id": _sv_notice("pending").pk},
            body={"text": "已完成整改"},
            files={"files": upload("整改报告.pdf", PDF_BYTES)},
        ),
    ),
    "POST /supervision/rectifications/{rectification_id}/review": Recipe(
        "supervisor", _sv_submitted_notice
    ),
    "POST /supervision/rectifications/escalate": Recipe("supervisor", _sv_overdue_notice),
    "POST /supervision/appeals": Recipe("careadmin", _sv_appealable),
    "POST /supervision/appeals/{appeal_id}/decide": Recipe("supervisor", _sv_pending_appeal),
    # --- complaints, return visits, satisfaction surveys
    "POST /supervision/complaints": Recipe(
        "caseworker",
        lambda w: Call(
            body={
                "category": "attitude",
                "content": "护理员态度不好",
                "channel": "hotline",
                "complainant_phone": "13800138000",
                "person_id": _completed_visit(w).person_id,
            }
        ),
    ),
    "POST /supervision/complaints/{complaint_id}/acknowledge": Recipe(
        "caseworker", lambda w: Call(path={"complaint_id": _complaint(w).pk}, body={})
    ),
    "POST /supervision/complaints/{complaint_id}/escalate": Recipe(
        "caseworker",
        lambda w: Call(path={"complaint_id": _complaint(w).pk}, body={"reason": "多次投诉"}),
    ),
    "POST /supervision/complaints/{complaint_id}/reply": Recipe(
        "caseworker",
        lambda w: Call(
            path={"complaint_id": _complaint(w, "acknowledge").pk},
            body={"reply": "已核实处理", "reply_channel": "phone", "substantiated": False},
        ),
    ),
    "POST /supervision/complaints/{complaint_id}/substantiate": Recipe("caseworker", _substantiate),
    "POST /supervision/complaints/{complaint_id}/close": Recipe(
        "caseworker",
        lambda w: Call(
            path={"complaint_id": _complaint(w, "acknowledge", "reply").pk},
            body={"satisfaction": 4},
        ),
    ),
    "POST /supervision/return-visits/draws": Recipe("bureau", _redraw),
    "POST /supervision/return-visits/{return_visit_id}/call": Recipe(
        "bureau",
        lambda w: Call(
            path={"return_visit_id": _pending_return_visit(w).pk},
            body={"outcome": "not_reached", "note": "无人接听"},
        ),
    ),
    "POST /supervision/surveys": Recipe("caseworker", _paper_survey),
    # --- data matching
    "POST /supervision/match/batches": Recipe(
        "caseworker",
        lambda w: Call(
            body={"kind": "deaths", "source": "civil_affairs"}, files={"file": _death_list()}
        ),
    ),
    "POST /supervision/match/batches/{batch_id}/commit": Recipe("caseworker", _death_batch),
    "POST /supervision/match/batches/{batch_id}/discard": Recipe("caseworker", _death_batch),
    "POST /supervision/match/feed": Recipe(
        "caseworker",
        lambda w: Call(
            body={
                "kind": "hospital",
                "source": "medical_settlement",
                "rows": [
                    {
                        "name": _person().name,
                        "id_number": _person().id_number,
                        "event_date": days(-2),
                        "hospital": "市一医院",
                    }
                ],
            }
        ),
    ),
    "POST /supervision/match/records/{record_id}/confirm": Recipe("caseworker", _pending_match),
    "POST /supervision/match/records/{record_id}/reject": Recipe(
        "caseworker",
        lambda w: Call(path=_pending_match(w).path, body={"reason": "同名同姓，出生日期不符"}),
    ),
    "POST /supervision/match/recoveries/{proposal_id}/apply": Recipe(
        "caseworker", lambda w: Call(path=_recovery(w).path, body={})
    ),
    "POST /supervision/match/recoveries/{proposal_id}/dismiss": Recipe(
        "caseworker",
        lambda w: Call(path=_recovery(w).path, body={"reason": "家属已主动退回"}),
    ),
    # --- scorecards
    "POST /scorecards/runs": Recipe(
        "bureau", lambda w: Call(body={"kind": "care-institution", "period": _last_quarter()})
    ),
    "POST /scorecards/{kind}/{period}/{org_id}/manual": Recipe("caseworker", _scorecard_call),
    "POST /scorecards/consequences/{proposal_id}/confirm": Recipe(
        "bureau", lambda w: Call(path=_consequence(w).path, body={})
    ),
    "POST /scorecards/consequences/{proposal_id}/dismiss": Recipe(
        "bureau",
        lambda w: Call(path=_consequence(w).path, body={"reason": "已于上月约谈并整改"}),
    ),
    # --- statistics reports
    "POST /reports/runs": Recipe("bureau", lambda w: Call(body=_last_month_report())),
    # --- training
    "POST /training/courses": Recipe(
        "bureau",
        lambda w: Call(
            body={
                "name": "护理员失智照护专项培训",
                "audience": "caregiver",
                "hours": "24",
                "certificate_kind": "care_worker",
                "validity_months": 36,
            }
        ),
    ),
    "POST /training/courses/{course_id}/sessions": Recipe(
        "bureau",
        lambda w: Call(
            path={"course_id": _training_held().course_id},
            body={
                "starts_on": days(30),
                "ends_on": days(34),
                "place": "市医疗保障局培训中心",
                "capacity": 30,
            },
        ),
    ),
    "POST /training/sessions/{session_id}/enrolments": Recipe("careadmin", _training_enrol),
    "POST /training/enrolments/{enrolment_id}/withdraw": Recipe(
        "careadmin",
        lambda w: Call(path={"enrolment_id": _training_new_session(w).path["enrolment_id"]}),
    ),
    "POST /training/sessions/{session_id}/roll": Recipe("bureau", _training_roll),
    "POST /training/sessions/{session_id}/certificates": Recipe(
        "bureau", lambda w: Call(path={"session_id": _training_passed(w).path["session_id"]})
    ),
    "POST /training/enrolments/{enrolment_id}/certificate": Recipe(
        "bureau",
        lambda w: Call(path={"enrolment_id": _training_passed(w).path["enrolment_id"]}),
    ),
    "POST /training/sessions/{session_id}/subsidy": Recipe(
        "bureau",
        lambda w: Call(
            path={"session_id": _training_held().pk}, body={"amount_per_pass_fen": 80000}
        ),
    ),
    # --- assessment fees
    "POST /assessment-fees/runs": Recipe("caseworker", _fee_case),
    "POST /assessment-fees/runs/{run_id}/discard": Recipe("caseworker", _fee_run),
    "POST /assessment-fees/statements/{statement_id}/approve": Recipe(
        "bureau", lambda w: Call(path=_fee_statement(w).path, body={"note": "已核对"})
    ),
    "POST /assessment-fees/statements/{statement_id}/pay": Recipe(
        "bureau",
        lambda w: Call(path=_fee_statement(w, approved=True).path, body={"reference": "ZF-1"}),
    ),
}
