"""Assessment institutions on the care institutions' workflow, and the assessor register."""

import datetime as dt

import pytest
from django.urls import reverse

from changhu.core import clock, scope
from changhu.core.errors import Conflict, NotFound, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.orgs.models import Organization, OrgKind
from changhu.providers import rules, selectors, services
from changhu.providers.models import Assessor, Certificate, Institution
from tests.api import ApiClient, assert_api_error
from tests.factories import designate_assessment, make_assessor, valid_id_number


def assessment_admission(**overrides):
    return {
        "kind": "assessment",
        "name": "成都市新锦失能评估中心",
        "uscc": rules.make_uscc("12510104PG0000077"),
        "region_code": "510104",
        "address": "锦江区东大街1号",
        "staff_count": 12,
        "legal_representative": "许文斌",
        "contact_phone": "13812345678",
        **overrides,
    }


def terms():
    today = clock.today()
    return {
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=730)).isoformat(),
    }


@pytest.fixture
def centre(users, orgs):
    """The fixture city's assessment centre, designated; its assessor and expert registered."""
    return designate_assessment(orgs.assessment, users.assessor, users.expert)


def assessor_input(institution, **overrides):
    data = {
        "institution_id": institution.pk,
        "name": "林晓梅",
        "id_number": valid_id_number("510104", dt.date(1985, 4, 12)),
        "phone": "13912345678",
        "profession": "nurse",
        "title": "主管护师",
    }
    return services.AssessorInput(**{**data, **overrides})


# --- admission, agreements and status: the care workflow, for an assessment institution -------


@pytest.mark.django_db
def test_an_assessment_institution_is_admitted_on_the_same_workflow(users):
    bureau = ApiClient(users.bureau_admin)
    submitted = bureau.post("providers/admissions", assessment_admission())
    assert submitted.status_code == 201, submitted.body
    body = submitted.body
    assert body["kind"] == "assessment" and body["kind_label"] == "定点评估机构"
    assert body["care_kind"] == "" and body["care_modes"] == []
    path = f"providers/admissions/{body['id']}"
    assert bureau.post(f"{path}/review").body["status"] == "under_review"
    approved = bureau.post(f"{path}/approve", {"agreement": terms(), "reason": "材料齐全"})
    assert approved.status_code == 200, approved.body
    institution = Institution.all_kinds.get(pk=approved.body["id"])
    assert institution.organization.kind == OrgKind.ASSESSMENT
    assert institution.kind_label == "定点评估机构"
    agreement = institution.agreements.get()
    assert agreement.number.startswith("PGXY")
    # Care readers never meet it; the assessment list does.
    assert not Institution.objects.filter(pk=institution.pk).exists()
    care_list = bureau.get("providers/institutions").body
    assert institution.pk not in [row["id"] for row in care_list["items"]]
    listed = bureau.get("providers/institutions?kind=assessment").body["items"]
    assert [row["id"] for row in listed] == [institution.pk]
    today = clock.today()
    assert institution.organization_id in selectors.organizations_in_force(
        kind="assessment", day=today
    )
    # Suspension (and the agreement's end) take it out of force, the same as a care institution.
    suspended = bureau.post(
        f"providers/institutions/{institution.pk}/status",
        {"action": "suspend", "reason": "评估质量抽查不合格"},
    )
    assert suspended.body["status"] == "suspended"
    assert institution.organization_id not in selectors.organizations_in_force(
        kind="assessment", day=today
    )
    bureau.post(
        f"providers/institutions/{institution.pk}/status", {"action": "reinstate", "reason": "整改"}
    )
    ended = bureau.post(
        f"providers/agreements/{agreement.pk}/terminate",
        {"ended_on": today.isoformat(), "reason": "协议解除"},
    )
    assert ended.status_code == 200, ended.body
    tomorrow = today + dt.timedelta(days=1)
    assert institution.organization_id not in selectors.organizations_in_force(
        kind="assessment", day=tomorrow
    )


@pytest.mark.django_db
def test_assessment_admission_refusals(users, orgs):
    bureau = ApiClient(users.bureau_admin)
    assert_api_error(
        bureau.post("providers/admissions", assessment_admission(fast_channel=True)),
        422,
        "fast_channel_not_eligible",
    )
    # An existing assessment organization may apply; a care organization may not be named.
    wrong = bureau.post(
        "providers/admissions", assessment_admission(organization_id=orgs.care.pk, name="")
    )
    assert wrong.status_code == 404
    existing = bureau.post(
        "providers/admissions",
        assessment_admission(organization_id=orgs.assessment.pk, name=""),
    )
    assert existing.status_code == 201 and existing.body["name"] == orgs.assessment.name
    # A care admin applies for their own care institution only: the kind is forced to care.
    forced = ApiClient(users.care_admin).post("providers/admissions", assessment_admission())
    assert_api_error(forced, 422, "care_kind_invalid")
    assert Organization.objects.filter(kind=OrgKind.ASSESSMENT).count() == 1


@pytest.mark.django_db
def test_outsiders_see_no_assessment_institution_or_admission(users, centre, city):
    bureau = ApiClient(users.bureau_admin)
    submitted = bureau.post("providers/admissions", assessment_admission()).body
    for outsider in (users.care_admin, users.worker_b):
        api = ApiClient(outsider)
        assert api.get(f"providers/institutions/{centre.pk}").status_code == 404
        assert api.get("providers/institutions?kind=assessment").body["total"] == 0
        assert api.get(f"providers/admissions/{submitted['id']}").status_code == 404


# --- the assessor register ------------------------------------------------------------------


@pytest.mark.django_db
def test_register_update_and_status_are_audited(users, centre):
    assessor = services.assessor_register(actor=users.bureau_admin, data=assessor_input(centre))
    assert assessor.id_number_masked.startswith("5101") and "*" in assessor.id_number_masked
    assert assessor.get_profession_display() == "护士"
    entry = AuditEntry.objects.filter(object_id=str(assessor.pk)).latest("pk")
    assert entry.changes["id_number"]["new"] != assessor.id_number  # masked in the trail
    updated = services.assessor_update(
        actor=users.bureau_admin,
        assessor_id=assessor.pk,
        phone="13700001111",
        profession="康复治疗师",
        title="治疗师",
        expected_version=assessor.version,
    )
    assert updated.profession == "therapist" and updated.version == 2
    with pytest.raises(Conflict) as stale:
        services.assessor_update(
            actor=users.bureau_admin,
            assessor_id=assessor.pk,
            phone="13700001111",
            profession="nurse",
            expected_version=1,
        )
    assert stale.value.code == "stale_version"
    left = services.assessor_set_status(
        actor=users.bureau_admin, assessor_id=assessor.pk, action="leave", reason="调离"
    )
    assert left.status == "left" and left.left_on == clock.today()
    assert AuditEntry.objects.filter(object_id=str(assessor.pk)).count() >= 3


@pytest.mark.django_db
def test_register_refusals(users, centre, orgs):
    from tests.factories import make_institution

    care = make_institution(orgs.care)
    with pytest.raises(ValidationFailed) as bad:
        services.assessor_register(
            actor=users.bureau_admin, data=assessor_input(centre, profession="药剂师", phone="1")
        )
    assert bad.value.code == "phone_invalid" or "profession" in bad.value.fields
    assert "profession" in bad.value.fields
    with pytest.raises(NotFound):  # a care institution has no assessors
        services.assessor_register(actor=users.bureau_admin, data=assessor_input(care))
    same = valid_id_number("510104", dt.date(1986, 6, 6))
    services.assessor_register(
        actor=users.bureau_admin, data=assessor_input(centre, id_number=same)
    )
    with pytest.raises(Conflict) as twice:
        services.assessor_register(
            actor=users.bureau_admin, data=assessor_input(centre, id_number=same)
        )
    assert twice.value.code == "assessor_duplicate_id"
    with pytest.raises(ValidationFailed) as account:  # a care admin is not an assessor account
        services.assessor_register(
            actor=users.bureau_admin,
            data=assessor_input(
                centre,
                id_number=valid_id_number("510104", dt.date(1980, 1, 2)),
                user_id=users.care_admin.pk,
            ),
        )
    assert account.value.code == "account_unknown"
    with pytest.raises(Conflict) as linked:  # the fixture assessor's account is taken
        services.assessor_register(
            actor=users.bureau_admin,
            data=assessor_input(
                centre,
                id_number=valid_id_number("510104", dt.date(1981, 1, 2)),
                user_id=users.assessor.pk,
            ),
        )
    assert linked.value.code == "account_linked"
    from changhu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.assessor_register(actor=users.worker_a, data=assessor_input(centre))


@pytest.mark.django_db
def test_qualification_needs_a_valid_assessor_certificate_on_the_day(users, centre):
    today = clock.today()
    assessor = make_assessor(centre, certificate=None)
    ok, why = services.assessor_qualification(assessor, today)
    assert not ok and "没有有效的评估人员资格证" in why
    services.assessor_certificate_add(
        actor=users.bureau_admin,
        assessor_id=assessor.pk,
        data=services.CertificateInput(
            kind="nurse",
            number="HS-1",
            issued_on=today - dt.timedelta(days=400),
            expires_on=today + dt.timedelta(days=400),
        ),
    )
    assert not services.assessor_qualification(assessor, today)[0]  # a licence alone: no
    services.assessor_certificate_add(
        actor=users.bureau_admin,
        assessor_id=assessor.pk,
        data=services.CertificateInput(
            kind="assessor",
            number="PG-OLD",
            issued_on=today - dt.timedelta(days=800),
            expires_on=today - dt.timedelta(days=1),
        ),
    )
    with pytest.raises(Conflict) as expired:
        services.assessor_assert_qualified(assessor, today)
    assert expired.value.code == "assessor_not_qualified"
    assert f"已于{(today - dt.timedelta(days=1)).isoformat()}过期" in expired.value.message
    services.assessor_certificate_add(
        actor=users.bureau_admin,
        assessor_id=assessor.pk,
        data=services.CertificateInput(
            kind="assessor",
            number="PG-NEW",
            issued_on=today,
            expires_on=today + dt.timedelta(days=365),
        ),
    )
    assert services.assessor_qualification(assessor, today) == (True, "")
    with pytest.raises(ValidationFailed) as kind:  # a caregiver's certificate is not one
        services.assessor_certificate_add(
            actor=users.bureau_admin,
            assessor_id=assessor.pk,
            data=services.CertificateInput(
                kind="care_worker", number="X", issued_on=today, expires_on=today
            ),
        )
    assert kind.value.code == "certificate_kind_invalid"
    services.assessor_set_status(
        actor=users.bureau_admin, assessor_id=assessor.pk, action="suspend", reason="投诉核查"
    )
    assessor.refresh_from_db()
    ok, why = services.assessor_qualification(assessor, today)
    assert not ok and "不在岗" in why
    services.assessor_set_status(
        actor=users.bureau_admin, assessor_id=assessor.pk, action="reinstate", reason="核查完毕"
    )
    services.institution_set_status(
        actor=users.bureau_admin, institution_id=centre.pk, action="suspend", reason="暂停"
    )
    assessor = Assessor.objects.get(pk=assessor.pk)
    ok, why = services.assessor_qualification(assessor, today)
    assert not ok and "暂停" in why


@pytest.mark.django_db
def test_outsiders_see_no_assessor(users, centre):
    assessor = Assessor.objects.get(user=users.assessor)
    for outsider in (users.care_admin, users.worker_b, users.assessor, users.applicant):
        api = ApiClient(outsider)
        assert api.get(f"providers/assessors/{assessor.pk}").status_code == 404
        listed = api.get("providers/assessors")
        assert listed.status_code == 200 and listed.body["total"] == 0
        assert not selectors.assessor_list(fetched_by=outsider).exists()
        assert not scope.scoped(Certificate.objects.filter(assessor=assessor), outsider).exists()
    assert ApiClient(users.worker_a).get(f"providers/assessors/{assessor.pk}").status_code == 200


# --- API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_assessor_api(users, centre):
    bureau = ApiClient(users.bureau_admin)
    payload = {
        "institution_id": centre.pk,
        "name": "唐建军",
        "id_number": valid_id_number("510104", dt.date(1979, 9, 9)),
        "phone": "13611112222",
        "profession": "doctor",
        "title": "副主任医师",
    }
    assert ApiClient(users.worker_a).post("providers/assessors", payload).status_code == 403
    created = bureau.post("providers/assessors", payload)
    assert created.status_code == 201, created.body
    body = created.body
    assert body["profession_label"] == "医生" and body["qualified_today"] is False
    assert "id_number" not in body and body["id_number_masked"].endswith(payload["id_number"][-1])
    pk = body["id"]
    today = clock.today()
    cert = bureau.post(
        f"providers/assessors/{pk}/certificates",
        {
            "kind": "assessor",
            "number": "PG-2026-01",
            "issuer": "成都市医疗保障局",
            "issued_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=1095)).isoformat(),
        },
    )
    assert cert.status_code == 201 and cert.body["state"] == "valid"
    training = bureau.post(
        f"providers/assessors/{pk}/trainings",
        {"topic": "评估规范", "trainer": "市医保局", "held_on": today.isoformat(), "hours": 8},
    )
    assert training.status_code == 201
    detail = bureau.get(f"providers/assessors/{pk}").body
    assert detail["qualified_today"] is True and len(detail["certificates"]) == 1
    assert len(detail["trainings"]) == 1
    later = (today + dt.timedelta(days=1200)).isoformat()
    check = bureau.get(f"providers/assessors/{pk}/qualified?day={later}").body
    assert check["qualified"] is False and check["code"] == "assessor_not_qualified"
    assert_api_error(
        bureau.post(f"providers/assessors/{pk}/status", {"action": "fly", "reason": "x"}),
        422,
        "validation_failed",
    )
    put = bureau.put(
        f"providers/assessors/{pk}",
        {"phone": "13611113333", "profession": "doctor", "title": "主任医师", "version": 1},
    )
    assert put.status_code == 200 and put.body["title"] == "主任医师"
    assert bureau.get("providers/assessors?profession=doctor&q=唐").body["total"] == 1


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_assessor_pages(client, users, centre):
    client.force_login(users.bureau_admin)
    listed = client.get(reverse("providers:assessor_list")).content.decode()
    assert users.assessor.display_name in listed and "今日可参加评估" in listed
    data = {
        "institution": centre.pk,
        "name": "白雪",
        "id_number": valid_id_number("510104", dt.date(1990, 2, 3)),
        "phone": "13512345678",
        "profession": "social_worker",
        "hired_on": "",
        "user": "",
    }
    refused = client.post(reverse("providers:assessor_new"), {**data, "id_number": "123"})
    assert refused.status_code == 422
    saved = client.post(reverse("providers:assessor_new"), data)
    assert saved.status_code == 302
    assessor = Assessor.objects.get(name="白雪")
    detail = client.get(reverse("providers:assessor_detail", args=[assessor.pk])).content.decode()
    assert "社会工作者" in detail and "今日不能参加评估" in detail
    edit = reverse("providers:assessor_edit", args=[assessor.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, {"phone": "13512340000", "profession": "nurse", "version": 1})
    assert Assessor.objects.get(pk=assessor.pk).profession == "nurse"
    today = clock.today()
    action = reverse("providers:assessor_action", args=[assessor.pk, "certificate"])
    client.post(
        action,
        {
            "kind": "assessor",
            "number": "PG-9",
            "issued_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=30)).isoformat(),
        },
    )
    detail = client.get(reverse("providers:assessor_detail", args=[assessor.pk])).content.decode()
    assert "今日可参加评估" in detail
    # The parametrized institution pages.
    html = client.get(reverse("providers:assessment_institution_list")).content.decode()
    assert centre.name in html and "在岗评估人员" in html
    care_html = client.get(reverse("providers:institution_list")).content.decode()
    assert centre.name not in care_html
    page = client.get(reverse("providers:institution_detail", args=[centre.pk])).content.decode()
    assert "定点评估机构" in page and "解除协议" in page and "服务站点" not in page
    form = client.get(reverse("providers:assessment_admission_new")).content.decode()
    assert "床位数" not in form and "已登记的评估机构" in form
    # Outsiders: nothing.
    client.force_login(users.care_admin)
    assert client.get(reverse("providers:assessor_detail", args=[assessor.pk])).status_code == 404
    assert client.get(reverse("providers:assessor_new")).status_code == 403
    assert "白雪" not in client.get(reverse("providers:assessor_list")).content.decode()
    assert client.get(reverse("providers:institution_detail", args=[centre.pk])).status_code == 404


@pytest.mark.django_db
def test_assessment_admission_from_the_page(client, users, orgs):
    client.force_login(users.bureau_admin)
    response = client.post(
        reverse("providers:assessment_admission_new"),
        {
            "organization": orgs.assessment.pk,
            "uscc": rules.make_uscc("12510104PG0000088"),
            "region_code": "510104",
            "address": "锦江区东大街88号",
            "staff_count": "15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admission = orgs.assessment.admissions.get()
    assert admission.kind == "assessment" and admission.name == orgs.assessment.name
    page = client.get(reverse("providers:admission_detail", args=[admission.pk])).content
    assert "定点评估机构" in page.decode()
