"""Entitlements: opening from a conclusion, no overlaps, mode changes, hospital stays, death,
loss of insured status, re-assessment, and eligibility by day around all of them."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction

from changhu.care import selectors, services
from changhu.care.models import Arrangement, Entitlement
from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.insured import services as insured_services
from changhu.insured.models import ApplicantLink
from changhu.providers import services as provider_services
from changhu.settlement.models import PolicyVersion
from changhu.settlement.policies import policies_dir, policy_load
from tests.api import ApiClient, assert_api_error
from tests.factories import load_policies, make_conclusion, make_person, open_entitlement

D = dt.date
TODAY = clock.today()


def around_today() -> dict[str, dt.date]:
    """A validity that holds today whatever the day (last year to next year)."""
    return {"valid_from": D(TODAY.year - 1, 1, 1), "valid_until": D(TODAY.year + 1, 12, 31)}


def open_payload(conclusion, institution, **overrides):
    return {
        "conclusion_id": conclusion.pk,
        "care_mode": "home_visit",
        "institution_id": institution.pk,
        **overrides,
    }


@pytest.mark.django_db
def test_open_from_conclusion_and_ask_eligibility(users, people, institution):
    conclusion = make_conclusion(people.jinjiang, grade=4)
    api = ApiClient(users.worker_a)
    response = api.post("care/entitlements", open_payload(conclusion, institution))
    assert response.status_code == 201, response.body
    body = response.body
    # Grade, validity and number are the conclusion's: nothing of them was typed.
    assert body["grade_label"] == "重度失能Ⅱ级" and body["conclusion_id"] == conclusion.pk
    assert (body["valid_from"], body["valid_until"]) == ("2026-01-01", "2027-12-31")
    assert body["conclusion_ref"] == conclusion.number
    assert body["current_care_mode"] == "home_visit"
    assert body["current_institution_name"] == "锦江康养护理院"
    # The same choice again is the same entitlement (safe to retry).
    again = api.post("care/entitlements", open_payload(conclusion, institution))
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
    assert_api_error(
        api.get("care/eligibility/calendar", person_id=people.jinjiang.pk, month="2026-2"),
        422,
        "month_format",
    )


@pytest.mark.django_db
def test_a_conclusion_opens_at_most_one_entitlement(users, people, institution, other):
    conclusion = make_conclusion(people.jinjiang, grade=4)
    api = ApiClient(users.worker_a)
    first = api.post("care/entitlements", open_payload(conclusion, institution))
    assert first.status_code == 201
    other_choice = open_payload(conclusion, institution, care_mode="institutional")
    assert_api_error(
        api.post("care/entitlements", other_choice), 409, "entitlement_duplicate_conclusion"
    )
    assert Entitlement.objects.count() == 1 and Arrangement.objects.count() == 1
    # The database refuses a second row for the same conclusion, whatever the path.
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(
            person=people.jinjiang,
            conclusion=conclusion,
            grade=4,
            conclusion_ref="X",
            valid_from=D(2026, 1, 1),
            valid_until=D(2027, 12, 31),
        )


@pytest.mark.django_db
def test_overlapping_entitlements_are_refused_with_nothing_written(users, people, institution):
    api = ApiClient(users.worker_a)
    api.post("care/entitlements", open_payload(make_conclusion(people.jinjiang), institution))
    counts = (Entitlement.objects.count(), Arrangement.objects.count())
    later = make_conclusion(
        people.jinjiang, grade=4, valid_from=D(2027, 6, 1), valid_until=D(2029, 5, 31)
    )
    overlapping = open_payload(later, institution, care_mode="institutional")
    assert_api_error(api.post("care/entitlements", overlapping), 409, "entitlement_overlap")
    assert (Entitlement.objects.count(), Arrangement.objects.count()) == counts
    after = dict(overlapping, start_date="2028-01-01")
    assert api.post("care/entitlements", after).status_code == 201


@pytest.mark.parametrize(
    ("grade", "valid_from", "overrides", "status", "code"),
    [
        (2, D(2026, 1, 1), {}, 422, "grade_not_qualifying"),
        (1, D(2026, 1, 1), {}, 422, "grade_not_qualifying"),
        (4, D(2026, 1, 1), {"start_date": "2025-12-31"}, 422, "date_order"),
        (4, D(2026, 1, 1), {"start_date": "2028-01-01"}, 422, "date_order"),
        (4, D(2026, 1, 1), {"start_date": "2026-13-01"}, 422, "validation_failed"),
        (
            4,
            D(2026, 1, 1),
            {"care_mode": "individual", "institution": "other"},
            409,
            "institution_mode_not_offered",
        ),
        (4, D(2023, 6, 1), {}, 409, "institution_no_agreement"),
        (4, D(2026, 1, 1), {"conclusion_id": 999999}, 404, "not_found"),
        (4, D(2026, 1, 1), {"institution_id": 999999}, 404, "not_found"),
    ],
)
@pytest.mark.django_db
def test_invalid_openings_write_nothing(
    users, people, institution, other, grade, valid_from, overrides, status, code
):
    if overrides.pop("institution", None) == "other":
        institution = other.institution
        person = people.wuhou
        api = ApiClient(users.worker_b)
    else:
        person, api = people.jinjiang, ApiClient(users.worker_a)
    conclusion = make_conclusion(
        person, grade=grade, valid_from=valid_from, valid_until=D(2027, 12, 31)
    )
    response = api.post("care/entitlements", open_payload(conclusion, institution, **overrides))
    assert_api_error(response, status, code)
    assert (
        not Entitlement.objects.exists()
        and not AuditEntry.objects.filter(object_type="care.entitlement").exists()
    )


@pytest.mark.django_db
def test_a_non_qualifying_grade_is_refused_with_the_policys_reason(users, people, institution):
    conclusion = make_conclusion(people.jinjiang, grade=2)
    response = ApiClient(users.worker_a).post(
        "care/entitlements", open_payload(conclusion, institution)
    )
    assert_api_error(response, 422, "grade_not_qualifying")
    message = response.body["message"]
    assert "中度失能" in message and "成都市长期照护保险待遇标准" in message
    assert "重度失能Ⅰ级、重度失能Ⅱ级、重度失能Ⅲ级" in message
    assert response.body["fields"] == {"conclusion_id": message}


@pytest.mark.django_db
def test_qualifying_grades_come_from_the_policy_in_force(users, people, institution):
    """A city that pays for 中度失能 from a date publishes a policy version saying so; nothing
    else (no setting, no scale) decides it."""
    load_policies()
    raw = json.loads((policies_dir() / "chengdu-2023.1.json").read_text("utf-8"))
    raw.update(version="2026.7", effective_from="2026-07-01", qualifying_grades=[2, 3, 4, 5])
    policy_load(raw)
    conclusion = make_conclusion(people.jinjiang, grade=2)
    api = ApiClient(users.worker_a)
    before = api.post("care/entitlements", open_payload(conclusion, institution))
    assert_api_error(before, 422, "grade_not_qualifying")
    after = api.post(
        "care/entitlements", open_payload(conclusion, institution, start_date="2026-07-01")
    )
    assert after.status_code == 201, after.body
    assert after.body["grade"] == 2 and after.body["valid_from"] == "2026-07-01"


@pytest.mark.django_db
def test_no_policy_in_force_means_no_entitlement(users, people, institution):
    conclusion = make_conclusion(people.jinjiang, grade=4)
    PolicyVersion.objects.all().delete()  # a region whose policy is not loaded
    response = ApiClient(users.worker_a).post(
        "care/entitlements", open_payload(conclusion, institution)
    )
    assert_api_error(response, 409, "policy_not_found")
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_no_new_entitlement_for_a_suspended_institution(users, people, institution):
    provider_services.institution_set_status(
        actor=users.bureau_admin, institution_id=institution.pk, action="suspend", reason="整改"
    )
    response = ApiClient(users.worker_a).post(
        "care/entitlements", open_payload(make_conclusion(people.jinjiang), institution)
    )
    assert_api_error(response, 409, "institution_not_active")
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_mode_change_takes_effect_on_its_date(users, people, institution, other):
    institution.organization.coverage.set([])
    entitlement = open_entitlement(users.bureau_admin, people.jinjiang, institution)
    api = ApiClient(users.bureau_admin)
    path = f"care/entitlements/{entitlement.pk}/arrangements"
    assert_api_error(
        api.post(path, {"effective_date": "2026-01-01", "care_mode": "family", "reason": "x"}),
        422,
        "date_order",
    )
    assert_api_error(
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
    assert_api_error(
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
    assert_api_error(
        ApiClient(users.worker_a).post(
            "care/entitlements",
            open_payload(
                make_conclusion(person, valid_from=D(2028, 1, 1), valid_until=D(2028, 12, 31)),
                institution,
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
        valid_from=D(TODAY.year - 2, 1, 1),
        valid_until=D(TODAY.year - 2, 12, 31),
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
    assert services.entitlements_apply_lifecycle()["expired"] == 1
    expired.refresh_from_db()
    assert expired.status == "expired" and expired.end_reason == "expired"
    assert services.entitlements_apply_lifecycle() == {"death": 0, "insured_lost": 0, "expired": 0}


@pytest.mark.django_db
def test_reassessment_regrades_or_ends(users, people, institution):
    first = open_entitlement(users.worker_a, people.jinjiang, institution, care_mode="family")
    api = ApiClient(users.worker_a)
    regraded = make_conclusion(
        people.jinjiang,
        grade=5,
        kind="periodic",
        previous=first.conclusion,
        valid_from=D(2026, 9, 1),
        valid_until=D(2028, 8, 31),
    )
    body = api.post("care/entitlements/reassessment", {"conclusion_id": regraded.pk}).body
    assert body["action"] == "replaced", body
    assert body["entitlement"]["grade"] == 5
    assert body["entitlement"]["current_care_mode"] == "family"
    assert body["entitlement"]["conclusion_id"] == regraded.pk
    first.refresh_from_db()
    assert (first.status, first.end_reason, first.end_date) == (
        "terminated",
        "reassessment",
        D(2026, 8, 31),
    )
    assert selectors.eligibility_on(people.jinjiang.pk, D(2026, 9, 1)).grade == 5
    assert selectors.eligibility_on(people.jinjiang.pk, D(2026, 8, 31)).grade == 4
    again = api.post("care/entitlements/reassessment", {"conclusion_id": regraded.pk}).body
    assert again["action"] == "already" and Entitlement.objects.count() == 2
    recovered_conclusion = make_conclusion(
        people.jinjiang,
        grade=1,
        kind="appeal",
        previous=regraded,
        valid_from=D(2027, 3, 1),
        valid_until=D(2028, 2, 29),
    )
    recovered = api.post(
        "care/entitlements/reassessment", {"conclusion_id": recovered_conclusion.pk}
    )
    assert recovered.status_code == 200 and recovered.body["action"] == "ended"
    ended = Entitlement.objects.get(conclusion=regraded)
    assert (ended.end_reason, ended.end_date) == ("recovery", D(2027, 2, 28))
    assert not selectors.eligibility_on(people.jinjiang.pk, D(2027, 3, 1)).eligible
    nothing = make_conclusion(people.jinjiang, grade=4, valid_from=D(2027, 6, 1))
    assert_api_error(
        api.post("care/entitlements/reassessment", {"conclusion_id": nothing.pk}),
        409,
        "no_current_entitlement",
    )


@pytest.mark.django_db
def test_manual_pause_and_termination(users, people, institution):
    entitlement = open_entitlement(users.worker_a, people.jinjiang, institution)
    api = ApiClient(users.worker_a)
    path = f"care/entitlements/{entitlement.pk}"
    body = api.post(f"{path}/pauses", {"start_date": "2026-02-10", "reason": "违规使用待遇"}).body
    pause_id = body["pauses"][0]["id"]
    assert_api_error(
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
    assert_api_error(
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
    assert_api_error(
        api.post(
            f"care/entitlements/{entitlement.pk}/terminate",
            {"end_date": "2026-10-31", "reason": "other"},
        ),
        403,
        "permission_denied",
    )


@pytest.mark.django_db
def test_care_staff_cannot_open_entitlements(users, people, institution):
    conclusion = make_conclusion(people.jinjiang)
    response = ApiClient(users.care_admin).post(
        "care/entitlements", open_payload(conclusion, institution)
    )
    assert_api_error(response, 403, "permission_denied")
    outside = ApiClient(users.worker_b).post(
        "care/entitlements", open_payload(conclusion, institution)
    )
    assert_api_error(outside, 404, "not_found")
    reassess = ApiClient(users.worker_b).post(
        "care/entitlements/reassessment", {"conclusion_id": conclusion.pk}
    )
    assert_api_error(reassess, 404, "not_found")
    assert not Entitlement.objects.exists()


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
