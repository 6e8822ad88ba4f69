"""Complaints, return visits and surveys through their services: the workflow, deadlines in
working days, findings raised on visits, the reproducible weighted draw, scores and scope."""

import datetime as dt

import pytest
from django.test import override_settings

from changhu.core import clock, workdays
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry, TransitionLog
from changhu.feedback import questionnaires, selectors, services
from changhu.feedback.models import Complaint, ReturnVisit, SurveyResponse
from changhu.feedback.tests.conftest import last_month, reply
from changhu.visits import services as visit_services
from changhu.visits.models import Finding, Visit

pytestmark = pytest.mark.django_db


def hotline(users, served, **extra):
    data = services.ComplaintInput(
        category="missed_visit",
        content="护理员12日没有来，但是记录上显示来过",
        complainant_name="张小明",
        complainant_phone="13800138000",
        person_id=served.persons[0].pk,
        caregiver_id=served.caregiver.pk,
        **extra,
    )
    return services.complaint_create(actor=users.worker_a, data=data)


def test_a_hotline_complaint_runs_from_received_to_closed_with_deadlines_in_working_days(
    users, served
):
    complaint = hotline(users, served)
    today = clock.today()
    assert complaint.number.startswith(f"TS{today:%Y%m%d}-")
    assert complaint.status == "received"
    assert complaint.institution == served.institution  # from the caregiver
    assert complaint.ack_due == workdays.add_working_days(today, 1)
    assert complaint.reply_due == workdays.add_working_days(today, 5)
    assert complaint.complainant_phone_masked != "13800138000"
    assert "13800138000" not in complaint.complainant_phone_enc
    services.complaint_acknowledge(actor=users.worker_a, complaint_id=complaint.pk)
    services.complaint_escalate(
        actor=users.worker_a, complaint_id=complaint.pk, reason="涉及虚假记录"
    )
    reply(
        users.supervisor_a,
        complaint,
        "经核实，12日未上门，已责令机构整改，该次服务不予结算。",
        substantiated=True,
    )
    closed = services.complaint_close(
        actor=users.worker_a, complaint_id=complaint.pk, satisfaction=4
    )
    assert closed.status == "closed" and closed.satisfaction == 4
    states = list(
        TransitionLog.objects.filter(object_type="feedback.complaint").values_list(
            "to_state", flat=True
        )
    )
    assert states == ["acknowledged", "escalated", "replied", "closed"]
    assert AuditEntry.objects.filter(object_type="feedback.complaint", action="create").exists()


@override_settings(COMPLAINT_ACK_WORKING_DAYS=2, COMPLAINT_REPLY_WORKING_DAYS=10)
def test_the_deadlines_come_from_the_settings(users, served):
    complaint = hotline(users, served)
    assert complaint.ack_due == workdays.add_working_days(clock.today(), 2)
    assert complaint.reply_due == workdays.add_working_days(clock.today(), 10)


def test_a_closed_complaint_cannot_be_replied_again_and_satisfaction_is_1_to_5(users, served):
    complaint = hotline(users, served)
    with pytest.raises(Conflict) as exc:
        services.complaint_close(actor=users.worker_a, complaint_id=complaint.pk, satisfaction=3)
    assert exc.value.code == "illegal_transition"
    services.complaint_acknowledge(actor=users.worker_a, complaint_id=complaint.pk)
    reply(users.worker_a, complaint, "已核实")
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_close(actor=users.worker_a, complaint_id=complaint.pk, satisfaction=6)
    assert exc.value.code == "satisfaction_invalid"
    assert Complaint.objects.get(pk=complaint.pk).status == "replied"


def test_an_anonymous_complaint_keeps_no_name_and_cannot_be_phoned_back(users, served):
    data = services.ComplaintInput(
        category="attitude",
        content="护理员态度差",
        anonymous=True,
        complainant_name="不应保存",
        institution_id=served.institution.pk,
    )
    complaint = services.complaint_create(actor=users.worker_a, data=data)
    assert complaint.complainant_name == "" and complaint.complainant_phone_enc == ""
    services.complaint_acknowledge(actor=users.worker_a, complaint_id=complaint.pk)
    with pytest.raises(ValidationFailed) as exc:
        reply(users.worker_a, complaint, "已处理")
    assert exc.value.code == "complainant_unreachable"


def test_a_substantiated_complaint_raises_a_finding_and_confirming_it_stops_payment(users, served):
    complaint = hotline(users, served)
    services.complaint_acknowledge(actor=users.worker_a, complaint_id=complaint.pk)
    visit = served.visits[(served.persons[0].pk, 12)]
    findings = services.complaint_substantiate(
        actor=users.worker_a, complaint_id=complaint.pk, visit_ids=[visit.pk], note="家属称未上门"
    )
    assert [f.visit_id for f in findings] == [visit.pk]
    finding = findings[0]
    assert finding.rule_code == "complaint_substantiated" and finding.status == "open"
    assert complaint.number in finding.reason
    # raising it again is idempotent
    again = services.complaint_substantiate(
        actor=users.worker_a, complaint_id=complaint.pk, visit_ids=[visit.pk], note="重复"
    )
    assert [f.pk for f in again] == [finding.pk]
    visit_services.finding_resolve(
        actor=users.worker_a, finding_id=finding.pk, decision="confirm", reason="查实"
    )
    assert Visit.objects.get(pk=visit.pk).payable is False
    assert Complaint.objects.get(pk=complaint.pk).substantiated is True


def test_visits_of_another_person_cannot_be_named(users, served):
    complaint = hotline(users, served)
    other = served.visits[(served.persons[1].pk, 12)]
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_substantiate(
            actor=users.worker_a, complaint_id=complaint.pk, visit_ids=[other.pk], note="x"
        )
    assert exc.value.code == "visit_not_found"
    assert not Finding.objects.exists()


def test_rescreening_a_month_keeps_findings_raised_by_people(users, served):
    from changhu.visits import rulesets, screening

    visit = served.visits[(served.persons[0].pk, 3)]
    visit_services.finding_raise(
        actor=users.worker_a,
        visit_ids=[visit.pk],
        rule_code="return_visit_discrepancy",
        note="家属称当天未上门",
        source="回访",
    )
    rules = rulesets.rules_on(visit.service_date)
    screening.screen_institution(
        institution_id=served.institution.pk, period=last_month(), rules=rules
    )
    assert Finding.objects.filter(rule_code="return_visit_discrepancy", visit=visit).exists()


def test_the_family_complains_about_their_person_and_sees_only_their_own(users, served):
    person = served.persons[0]
    visit = served.visits[(person.pk, 20)]
    complaint = services.family_complaint_create(
        actor=users.applicant,
        person_id=person.pk,
        category="service_quality",
        content="护理员没有按计划帮老人洗澡",
        visit_ids=[visit.pk],
    )
    assert complaint.channel == "family" and complaint.institution == served.institution
    assert complaint.caregiver == served.caregiver
    assert complaint.complainant_name != users.applicant.username  # a name, never the login
    assert list(selectors.complaint_list(fetched_by=users.applicant)) == [complaint]
    with pytest.raises(NotFound):
        services.family_complaint_create(
            actor=users.applicant, person_id=served.persons[1].pk, category="other", content="x"
        )
    staff = hotline(users, served)
    with pytest.raises(NotFound):
        selectors.complaint_get(fetched_by=users.applicant, complaint_id=staff.pk)


def test_scope_institution_sees_its_own_insurer_its_districts_outsiders_nothing(
    users, served, other
):
    mine = hotline(users, served)
    theirs = services.complaint_create(
        actor=users.bureau_admin,
        data=services.ComplaintInput(
            category="fees",
            content="多收费用",
            complainant_phone="13900139000",
            institution_id=other.institution.pk,
        ),
    )
    assert list(selectors.complaint_list(fetched_by=users.care_admin)) == [mine]
    assert list(selectors.complaint_list(fetched_by=other.admin)) == [theirs]
    assert list(selectors.complaint_list(fetched_by=users.worker_a)) == [mine]  # Jinjiang only
    assert list(selectors.complaint_list(fetched_by=users.worker_b)) == [theirs]  # Wuhou
    assert set(selectors.complaint_list(fetched_by=users.regulator)) == {mine, theirs}
    for outsider in (users.assessor, users.caregiver):
        assert not selectors.complaint_list(fetched_by=outsider).exists()
        with pytest.raises(NotFound):
            selectors.complaint_get(fetched_by=outsider, complaint_id=mine.pk)
    with pytest.raises(PermissionDenied):
        services.complaint_acknowledge(actor=users.care_admin, complaint_id=mine.pk)
    with pytest.raises(NotFound):
        services.complaint_acknowledge(actor=users.worker_b, complaint_id=mine.pk)


@override_settings(PUBLIC_COMPLAINTS_PER_HOUR=2)
def test_public_complaints_are_limited_per_address(users, served):
    key = services.public_source_key("203.0.113.9")

    def send():
        return services.public_complaint_create(
            data=services.ComplaintInput(
                category="attitude",
                content="态度不好",
                complainant_phone="13700137000",
                institution_id=served.institution.pk,
            ),
            source_key=key,
        )

    assert send().channel == "public"
    send()
    with pytest.raises(Conflict) as exc:
        send()
    assert exc.value.code == "complaint_rate_limited"
    assert Complaint.objects.count() == 2
    assert "203.0.113.9" not in key


def test_the_draw_is_weighted_seeded_reproducible_and_at_least_the_minimum(users, served):
    draws = services.return_visits_draw(actor=users.worker_a, period=last_month())
    assert len(draws) == 1
    draw = draws[0]
    assert draw.population == 3 and draw.drawn == 2  # 5% of 3 is below the minimum of 2
    first = list(ReturnVisit.objects.values_list("person_id", flat=True).order_by("person_id"))
    assert services.return_visits_draw(actor=users.worker_a, period=last_month()) == [draw]
    ReturnVisit.objects.all().delete()
    draw.delete()
    services.return_visits_draw(actor=users.worker_a, period=last_month())
    again = list(ReturnVisit.objects.values_list("person_id", flat=True).order_by("person_id"))
    assert again == first


def test_the_weighted_sample_favours_the_risky():
    weights = {p: (50 if p == 7 else 1) for p in range(1, 21)}
    hits = sum(7 in services.weighted_sample(weights, 2, f"s{i}") for i in range(200))
    assert hits > 150  # about 200 * (1 - (19/69)**2…) ≈ 190; unweighted it would be ~20
    assert services.weighted_sample(weights, 2, "x") == services.weighted_sample(weights, 2, "x")
    assert services.draw_size(100, 0.05, 2) == 5
    assert services.draw_size(10, 0.05, 2) == 2
    assert services.draw_size(1, 0.05, 2) == 1


def _answers(**overrides):
    answers = {
        "identity": "family",
        "visits_as_agreed": True,
        "duration_enough": True,
        "items_done": True,
        "asked_to_sign": False,
        "extra_charge": False,
        "health_change": "",
        "needs": "",
    }
    return {**answers, **overrides}


SURVEY = {
    "caregiver_attitude": 5,
    "caregiver_skill": 4,
    "caregiver_punctual": 2,
    "institution_arrangement": 4,
    "institution_response": 3,
    "overall": 4,
}


def test_a_return_visit_with_a_discrepancy_opens_findings_and_records_the_survey(users, served):
    services.return_visits_draw(actor=users.worker_a, period=last_month())
    rv = ReturnVisit.objects.order_by("pk").first()
    visit = served.visits[(rv.person_id, 12)]
    services.return_visit_record(
        actor=users.worker_a,
        return_visit_id=rv.pk,
        data=services.CallInput(
            outcome="reached",
            answers=_answers(visits_as_agreed=False),
            survey=SURVEY,
            discrepancy_visit_ids=[visit.pk],
            discrepancy_note="护理员12日没有来",
        ),
    )
    rv.refresh_from_db()
    assert rv.status == "reached" and rv.answers["visits_as_agreed"] is False
    finding = Finding.objects.get(visit=visit)
    assert finding.rule_code == "return_visit_discrepancy"
    response = SurveyResponse.objects.get(return_visit=rv)
    assert response.caregiver == served.caregiver
    assert (response.caregiver_points, response.caregiver_items) == (11, 3)
    inst = selectors.satisfaction_scores(institution=served.institution, period=last_month())
    assert inst.average == round(11 / 3, 2) and inst.responses == 1
    cg = selectors.satisfaction_scores(caregiver=served.caregiver, period=last_month())
    assert cg.average == round(11 / 3, 2) and cg.percent == round(11 * 100 / 15, 1)


def test_a_call_not_reached_records_no_answers_and_may_be_tried_again(users, served):
    services.return_visits_draw(actor=users.worker_a, period=last_month())
    rv = ReturnVisit.objects.order_by("pk").first()
    with pytest.raises(ValidationFailed) as exc:
        services.return_visit_record(
            actor=users.worker_a,
            return_visit_id=rv.pk,
            data=services.CallInput(outcome="not_reached", survey=SURVEY),
        )
    assert exc.value.code == "outcome_not_reached"
    services.return_visit_record(
        actor=users.worker_a,
        return_visit_id=rv.pk,
        data=services.CallInput(outcome="not_reached", note="无人接听"),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.return_visit_record(
            actor=users.worker_a,
            return_visit_id=rv.pk,
            data=services.CallInput(outcome="reached", answers={"identity": "self"}),
        )
    assert exc.value.code == "answer_required"
    services.return_visit_record(
        actor=users.worker_a,
        return_visit_id=rv.pk,
        data=services.CallInput(outcome="reached", answers=_answers()),
    )
    rv.refresh_from_db()
    assert rv.status == "reached"
    with pytest.raises(Conflict):
        services.return_visit_record(
            actor=users.worker_a,
            return_visit_id=rv.pk,
            data=services.CallInput(outcome="refused"),
        )


def test_paper_and_family_surveys(users, served):
    paper = services.survey_record(
        actor=users.worker_a, person_id=served.persons[1].pk, answers=SURVEY, comment="很好"
    )
    family = services.survey_record(
        actor=users.applicant, person_id=served.persons[0].pk, answers=SURVEY, channel="family"
    )
    assert paper.channel == "paper" and family.channel == "family"
    assert paper.period == f"{clock.today():%Y-%m}"
    with pytest.raises(ValidationFailed) as exc:
        services.survey_record(
            actor=users.worker_a, person_id=served.persons[1].pk, answers={**SURVEY, "overall": 9}
        )
    assert exc.value.code == "score_invalid"
    with pytest.raises(NotFound):
        services.survey_record(
            actor=users.applicant, person_id=served.persons[1].pk, answers=SURVEY, channel="family"
        )
    rows = selectors.score_table(fetched_by=users.worker_a, period=paper.period, by="institution")
    assert rows[0]["responses"] == 2
    assert not selectors.survey_list(fetched_by=users.worker_b).exists()


def test_questionnaires_load_once_and_refuse_a_changed_version(tmp_path):
    outcomes = questionnaires.load_all()
    assert {o.row.code for o in outcomes} == {"return-visit", "satisfaction"}
    assert not any(o.created for o in questionnaires.load_all())
    script = questionnaires.in_force("return-visit", clock.today())
    assert "回访" in script.definition["opening"]
    import json

    changed = dict(script.definition, name="改过的话术")
    path = tmp_path / "x.json"
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(Conflict):
        questionnaires.load_all(tmp_path)
    bad = dict(changed, version="9", questions=[{"code": "a", "type": "score", "text": "x"}])
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationFailed):
        questionnaires.load_all(tmp_path)
    assert dt.date.fromisoformat(script.definition["effective_from"]) <= clock.today()


def test_complaints_count_as_risk_per_institution_and_person(users, served, other):
    hotline(users, served)
    hotline(users, served)
    counts = selectors.complaint_counts("institution_id")
    ids = [served.institution.pk, other.institution.pk]
    assert counts(ids, clock.today()) == {served.institution.pk: 2}
    assert counts(ids, clock.today() - dt.timedelta(days=1)) == {}
    by_person = selectors.complaint_counts("person_id")
    assert by_person([served.persons[0].pk], clock.today()) == {served.persons[0].pk: 2}


def test_complaints_are_a_source_of_the_inspection_samples_risk():
    risk = pytest.importorskip("changhu.supervision.risk")
    assert "feedback.complaints" in {source.key for source in risk.sources()}
