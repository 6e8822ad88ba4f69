"""Entitlements: opening from a conclusion, no overlaps, mode changes, hospital stays, death,
loss of insured status, re-assessment, and eligibility by day around all of them."""

import datetime as dt

import pytest

from changhu.care import selectors, services
from changhu.care.models import Arrangement, Entitlement
from changhu.core import clock
from changhu.insured import services as insured_services
from changhu.insured.models import ApplicantLink
from changhu.providers import services as provider_services
from tests.api import ApiClient
from tests.factories import make_person

D = dt.date
TODAY = clock.today()


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert set(response.body) == {"code", "message", "fields"}
    assert response.body["code"] == code


def around_today() -> dict[str, str]:
    """A validity that holds today whatever the day (last year to next year)."""
    return {"valid_from": f"{TODAY.year - 1}-01-01", "valid_until": f"{TODAY.year + 1}-12-31"}


def open_payload(person, institution, **overrides):
    data = {
        "person_id": person.pk,
        "grade": 4,
        "conclusion_ref": f"PG-2026-{person.pk:05d}",
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
        "care_mode": "home_visit",
        "institution_id": institution.pk,
    }
    data.update(overrides)
    return data


def open_entitlement(actor, person, institution, **overrides):
    return services.entitlement_open_from_conclusion(
        actor=actor, **open_payload(person, institution, **overrides)
    )


@pytest.mark.django_db
def test_open_from_conclusion_and_ask_eligibility(users, people, institution):
    api = ApiClient(users.worker_a)
    response = api.post("care/entitlements", open_payload(people.jinjiang, institution))
    assert response.status_code == 201, response.body
    body = response.body
    assert body["grade_label"] == "重度失能Ⅱ级"
    assert body["current_care_mode"] == "home_visit"
    assert body["current_institution_name"] == "锦江康养护理院"
    # The same conclusion again is the same entitlement (the assessment side may retry).
    again = api.post("care/entitlements", open_payload(people.jinjiang, institution))
    assert again.status_code == 201 and again.body["id"] == body["id"]
    assert Entitlement.objects.count() == 1
    day = api.get("care/eligibility", person_id=people.jinjiang.pk, day="2026-06-01").body
    assert day["eligible"] and day["care_mode"] == "home_visit"
    assert day["institution_id"] == institution.pk and day["grade"] == 4
    before = api.get("care/eligibility", person_id=people.jinjiang.pk, day="2025-12-31").body
    assert before["eligible"] is False and before["reason"] == "no_entitlement"
    calendar = api.get(
        "care/eligibility/calendar", person_id=people.jinjiang.pk, month="2026-02"
    ).body
    assert calendar["eligible_days"] == 28 and len(calendar["days"]) == 28
    assert_error(
        api.get("care/eligibility/calendar", person_id=people.jinjiang.pk, month="2026-2"),
        422,
        "month_format",
    )


@pytest.mark.django_db
def test_overlapping_entitlements_are_refused_with_nothing_written(users, people, institution):
    api = ApiClient(users.worker_a)
    api.post("care/entitlements", open_payload(people.jinjiang, institution))
    counts = (Entitlement.objects.count(), Arrangement.objects.count())
    overlapping = open_payload(
        people.jinjiang,
        institution,
        conclusion_ref="PG-OTHER",
        valid_from="2027-06-01",
        valid_until="2029-05-31",
        care_mode="institutional",
    )
    assert_error(api.post("care/entitlements", overlapping), 409, "entitlement_overlap")
    assert (Entitlement.objects.count(), Arrangement.objects.count()) == counts
    later = dict(overlapping, valid_from="2028-01-01")
    assert api.post("care/entitlements", later).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"grade": 2}, 422, "grade_not_qualifying"),
        ({"valid_until": "2025-12-31"}, 422, "date_order"),
        ({"conclusion_ref": " "}, 422, "conclusion_ref_required"),
        ({"care_mode": "individual", "institution": "other"}, 409, "institution_mode_not_offered"),
        ({"valid_from": "2023-06-01"}, 409, "institution_no_agreement"),
    ],
)
@pytest.mark.django_db
def test_invalid_openings(users, people, institution, other, overrides, status, code):
    if overrides.pop("institution", None) == "other":
        institution = other.institution
        person = people.wuhou
        api = ApiClient(users.worker_b)
    else:
        person, api = people.jinjiang, ApiClient(users.worker_a)
    response = api.post("care/entitlements", open_payload(person, institution, **overrides))
    assert_error(response, status, code)
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_qualifying_grades_are_settings(users, people, institution, settings):
    settings.CARE_QUALIFYING_GRADES = [2, 3, 4, 5]
    response = ApiClient(users.worker_a).post(
        "care/entitlements", open_payload(people.jinjiang, institution, grade=2)
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_no_new_entitlement_for_a_suspended_institution(users, people, institution):
    provider_services.institution_set_status(
        actor=users.bureau_admin, institution_id=institution.pk, action="suspend", reason="整改"
    )
    response = ApiClient(users.worker_a).post(
        "care/entitlements", open_payload(people.jinjiang, institution)
    )
    assert_error(response, 409, "institution_not_active")
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_mode_change_takes_effect_on_its_date(users, people, institution, other):
    institution.organization.coverage.set([])
    entitlement = open_entitlement(users.bureau_admin, people.jinjiang, institution)
    api = ApiClient(users.bureau_admin)
    path = f"care/entitlements/{entitlement.pk}/arrangements"
    assert_error(
        api.post(path, {"effective_date": "2026-01-01", "care_mode": "family", "reason": "x"}),
        422,
        "date_order",
    )
    assert_error(
        api.post(path, {"effective_date": "2026-04-01", "reason": "无变化"}),
        409,
        "arrangement_unchanged",
    )
    body = api.post(
        path,
        {
            "effective_date": "2026-04-01",
            "care_mode": "institutional",
            "reason": "家属选择入住机构",
        },
    ).body
    assert [a["care_mode"] for a in body["arrangements"]] == ["home_visit", "institutional"]
    assert body["arrangements"][0]["end_date"] == "2026-03-31"
    moved = api.post(
        path,
        {
            "effective_date": "2026-07-15",
            "care_mode": "home_visit",
            "institution_id": other.institution.pk,
            "reason": "搬家到武侯区",
        },
    )
    assert moved.status_code == 201, moved.body
    pid = people.jinjiang.pk
    answers = {
        d: selectors.eligibility_on(pid, d)
        for d in (D(2026, 3, 31), D(2026, 4, 1), D(2026, 7, 14), D(2026, 7, 15))
    }
    assert [(a.care_mode, a.institution_id) for a in answers.values()] == [
        ("home_visit", institution.pk),
        ("institutional", institution.pk),
        ("institutional", institution.pk),
        ("home_visit", other.institution.pk),
    ]
    assert all(a.eligible for a in answers.values())
    assert_error(
        api.post(
            path, {"effective_date": "2026-09-01", "care_mode": "institutional", "reason": "x"}
        ),
        409,
        "institution_mode_not_offered",
    )


@pytest.mark.django_db
def test_hospital_stays_pause_and_death_ends(
    users, people, institution, django_capture_on_commit_callbacks
):
    person = people.jinjiang
    entitlement = open_entitlement(users.worker_a, person, institution)
    insured_services.person_record_life_event(
        actor=users.worker_a,
        person_id=person.pk,
        data=insured_services.LifeEventInput(
            kind="hospital_stay",
            start_date="2026-05-10",
            end_date="2026-05-14",
            institution="华西医院",
        ),
    )
    by_day = selectors.eligibility_calendar([person.pk], "2026-05")[person.pk]
    hospital = [a.day.day for a in by_day if a.reason == "hospital"]
    assert hospital == [10, 11, 12, 13]  # the discharge day (14th) is eligible again
    assert by_day[13].eligible and by_day[8].eligible  # 14 May, 9 May
    with django_capture_on_commit_callbacks(execute=True):
        insured_services.person_record_life_event(
            actor=users.worker_a,
            person_id=person.pk,
            data=insured_services.LifeEventInput(kind="death", start_date="2026-06-20"),
        )
    entitlement.refresh_from_db()
    assert entitlement.status == "terminated" and entitlement.end_reason == "death"
    assert entitlement.end_date == D(2026, 6, 20)
    assert selectors.eligibility_on(person.pk, D(2026, 6, 20)).eligible
    after = selectors.eligibility_on(person.pk, D(2026, 6, 21))
    assert not after.eligible and after.reason in {"deceased", "no_entitlement"}
    assert_error(
        ApiClient(users.worker_a).post(
            "care/entitlements",
            open_payload(
                person,
                institution,
                conclusion_ref="PG-NEW",
                valid_from="2028-01-01",
                valid_until="2028-12-31",
            ),
        ),
        409,
        "person_deceased",
    )


@pytest.mark.django_db
def test_loss_of_insured_status_and_expiry(
    users, people, institution, django_capture_on_commit_callbacks
):
    lost = open_entitlement(users.worker_a, people.jinjiang, institution, **around_today())
    expired = open_entitlement(
        users.worker_a,
        people.qingyang,
        institution,
        valid_from=f"{TODAY.year - 2}-01-01",
        valid_until=f"{TODAY.year - 2}-12-31",
    )
    day = TODAY - dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        insured_services.person_set_status(
            actor=users.worker_a,
            person_id=people.jinjiang.pk,
            status="suspended",
            on_date=day,
            reason="断缴",
        )
    lost.refresh_from_db()
    assert (lost.status, lost.end_reason, lost.end_date) == ("terminated", "insured_lost", day)
    assert selectors.eligibility_on(people.jinjiang.pk, day + dt.timedelta(days=1)).reason in {
        "not_insured",
        "no_entitlement",
    }
    assert services.entitlements_reconcile()["expired"] == 1
    expired.refresh_from_db()
    assert expired.status == "expired" and expired.end_reason == "expired"
    assert services.entitlements_reconcile() == {"death": 0, "insured_lost": 0, "expired": 0}


@pytest.mark.django_db
def test_reassessment_regrades_or_ends(users, people, institution):
    first = open_entitlement(users.worker_a, people.jinjiang, institution, care_mode="family")
    api = ApiClient(users.worker_a)
    body = api.post(
        "care/entitlements/reassessment",
        {
            "person_id": people.jinjiang.pk,
            "grade": 5,
            "conclusion_ref": "FP-1",
            "valid_from": "2026-09-01",
            "valid_until": "2028-08-31",
        },
    ).body
    assert body["grade"] == 5 and body["current_care_mode"] == "family"
    first.refresh_from_db()
    assert (first.status, first.end_reason, first.end_date) == (
        "terminated",
        "reassessment",
        D(2026, 8, 31),
    )
    assert selectors.eligibility_on(people.jinjiang.pk, D(2026, 9, 1)).grade == 5
    assert selectors.eligibility_on(people.jinjiang.pk, D(2026, 8, 31)).grade == 4
    recovered = api.post(
        "care/entitlements/reassessment",
        {
            "person_id": people.jinjiang.pk,
            "grade": 1,
            "conclusion_ref": "FP-2",
            "valid_from": "2027-03-01",
            "valid_until": "2029-02-28",
        },
    )
    assert recovered.status_code == 200 and recovered.body is None
    assert Entitlement.objects.get(conclusion_ref="FP-1").end_reason == "recovery"
    assert not selectors.eligibility_on(people.jinjiang.pk, D(2027, 3, 1)).eligible


@pytest.mark.django_db
def test_manual_pause_and_termination(users, people, institution):
    entitlement = open_entitlement(users.worker_a, people.jinjiang, institution)
    api = ApiClient(users.worker_a)
    path = f"care/entitlements/{entitlement.pk}"
    body = api.post(f"{path}/pauses", {"start_date": "2026-02-10", "reason": "违规使用待遇"}).body
    pause_id = body["pauses"][0]["id"]
    assert_error(
        api.post(f"{path}/pauses", {"start_date": "2026-02-20", "reason": "重复"}),
        409,
        "pause_overlap",
    )
    api.post(f"care/pauses/{pause_id}/end", {"end_date": "2026-02-12"})
    answers = selectors.eligibility_calendar([people.jinjiang.pk], "2026-02")[people.jinjiang.pk]
    assert [a.day.day for a in answers if a.reason == "paused"] == [10, 11, 12]
    ended = api.post(
        f"{path}/terminate", {"end_date": "2026-10-31", "reason": "other", "note": "监护人申请终止"}
    ).body
    assert ended["status"] == "terminated" and ended["last_day"] == "2026-10-31"
    assert not selectors.eligibility_on(people.jinjiang.pk, D(2026, 11, 1)).eligible
    assert_error(
        api.post(f"{path}/terminate", {"end_date": "2026-10-30", "reason": "other"}),
        409,
        "illegal_transition",
    )


@pytest.mark.django_db
def test_calendar_for_many_persons_takes_few_queries(
    users, city, institution, django_assert_max_num_queries
):
    street = city.streets["510104001000"]
    persons = [make_person(street) for _ in range(12)]
    for index, person in enumerate(persons):
        open_entitlement(
            users.bureau_admin,
            person,
            institution,
            care_mode=["home_visit", "family", "institutional"][index % 3],
        )
    with django_assert_max_num_queries(5):
        calendar = selectors.eligibility_calendar([p.pk for p in persons] + [999999], "2026-03")
    assert len(calendar) == 13
    assert all(len(days) == 31 for days in calendar.values())
    assert sum(a.eligible for a in calendar[persons[0].pk]) == 31
    assert calendar[999999][0].reason == "not_insured"


ROLES = {
    # role: (sees the Jinjiang entitlement in the list, may open its detail)
    "bureau_admin": True,
    "regulator": True,
    "worker_a": True,
    "supervisor_a": True,
    "outlet_worker": True,
    "worker_b": False,
    "care_admin": True,
    "caregiver": False,
    "assessor": False,
    "expert": False,
    "applicant": False,
}


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
@pytest.mark.django_db
def test_entitlement_scoping_for_every_role(users, people, institution, other, role, sees):
    entitlement = open_entitlement(users.worker_a, people.jinjiang, institution)
    api = ApiClient(getattr(users, role))
    assert api.get("care/entitlements").body["total"] == int(sees)
    assert api.get(f"care/entitlements/{entitlement.pk}").status_code == (200 if sees else 404)
    eligibility = api.get("care/eligibility", person_id=people.jinjiang.pk)
    assert eligibility.status_code in ((200,) if sees else (403, 404))
    assert ApiClient(other.admin).get(f"care/entitlements/{entitlement.pk}").status_code == 404


@pytest.mark.django_db
def test_applicant_sees_the_person_they_act_for(users, people, institution):
    entitlement = open_entitlement(users.worker_a, people.jinjiang, institution)
    ApplicantLink.objects.create(user=users.applicant, person=people.jinjiang, relationship="child")
    api = ApiClient(users.applicant)
    assert api.get(f"care/entitlements/{entitlement.pk}").status_code == 200
    assert api.get("care/eligibility", person_id=people.jinjiang.pk).status_code == 200
    assert_error(
        api.post(
            f"care/entitlements/{entitlement.pk}/terminate",
            {"end_date": "2026-10-31", "reason": "other"},
        ),
        403,
        "permission_denied",
    )


@pytest.mark.django_db
def test_care_staff_cannot_open_entitlements(users, people, institution):
    response = ApiClient(users.care_admin).post(
        "care/entitlements", open_payload(people.jinjiang, institution)
    )
    assert_error(response, 403, "permission_denied")
    outside = ApiClient(users.worker_b).post(
        "care/entitlements", open_payload(people.jinjiang, institution)
    )
    assert_error(outside, 404, "not_found")


@pytest.mark.django_db
def test_institutions_caring_for_a_person(users, people, institution, other):
    assert selectors.institutions_caring_for(people.jinjiang.pk) == []
    entitlement = open_entitlement(users.worker_a, people.jinjiang, institution, **around_today())
    assert selectors.institutions_caring_for(people.jinjiang.pk) == [institution.organization_id]
    services.entitlement_terminate(
        actor=users.worker_a, entitlement_id=entitlement.pk, end_date=TODAY, reason="other"
    )
    assert selectors.institutions_caring_for(people.jinjiang.pk) == []


@pytest.mark.django_db
def test_reconcile_command_catches_up_on_changes_made_without_signals(users, people, institution):
    from io import StringIO

    from django.core.management import call_command

    from changhu.insured.models import Person

    entitlement = open_entitlement(users.worker_a, people.jinjiang, institution, **around_today())
    # A bulk import writes deaths without model signals.
    Person.objects.filter(pk=people.jinjiang.pk).update(
        status="deceased", died_on=TODAY - dt.timedelta(days=30)
    )
    out = StringIO()
    call_command("care_reconcile", stdout=out)
    assert "terminated on death: 1" in out.getvalue()
    entitlement.refresh_from_db()
    assert (entitlement.status, entitlement.end_date) == (
        "terminated",
        TODAY - dt.timedelta(days=30),
    )
