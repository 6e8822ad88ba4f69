import datetime as dt

import pytest

from changhu.core import clock
from changhu.core.audit import AuditEntry
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.fund.models import Entry
from changhu.providers import selectors as provider_selectors
from changhu.providers.models import Certificate
from changhu.training import selectors, services
from changhu.training.models import Enrolment
from changhu.training.services import RollRow
from tests.factories import make_caregiver

pytestmark = pytest.mark.django_db


def _roll(users, held, *rows):
    return services.roll_record(
        actor=users.bureau_admin, session_id=held.pk, rows=[RollRow(*r) for r in rows]
    )


def test_the_whole_path_gives_the_caregiver_a_valid_certificate(users, held, trainees):
    a = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    b = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.b.pk)
    assert not trainees.a.certificates.exists()
    assert _roll(users, held, (a.pk, True, "86.5"), (b.pk, True, "52")) == 2

    plan = services.certificates_issue(actor=users.bureau_admin, session_id=held.pk)

    assert [e.pk for e in plan.to_issue] == [a.pk]
    assert [e.pk for e, _ in plan.refused] == [b.pk]
    cert = Certificate.objects.get(caregiver=trainees.a)
    today = clock.today()
    assert cert.kind == "care_worker" and cert.qualification == "care_worker"
    assert cert.number == services.certificate_number(a)
    assert cert.issuer == "成都市医疗保障局"
    assert cert.issued_on == today
    assert cert.expires_on == services._expiry(today, 36)
    assert cert.valid_on(today) and cert.valid_on(today + dt.timedelta(days=365 * 3 - 2))
    assert provider_selectors.certificate_state(cert) == "valid"
    assert not Certificate.objects.filter(caregiver=trainees.b).exists()
    a.refresh_from_db()
    assert a.certificate == cert and a.issued_on == today
    assert (
        AuditEntry.objects.filter(object_type__icontains="enrolment", note__contains="发放").count()
        == 1
    )


def test_expiry_is_the_day_before_the_anniversary():
    assert services._expiry(dt.date(2026, 3, 15), 36) == dt.date(2029, 3, 14)
    assert services._expiry(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 27)


def test_issuing_again_is_idempotent(users, held, trainees):
    a = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    _roll(users, held, (a.pk, True, "90"))
    services.certificates_issue(actor=users.bureau_admin, session_id=held.pk)
    again = services.certificates_issue(actor=users.bureau_admin, session_id=held.pk)
    one = services.certificate_issue(actor=users.bureau_admin, enrolment_id=a.pk)
    assert again.to_issue == [] and [e.pk for e in again.already] == [a.pk]
    assert one.certificate_number == services.certificate_number(a)
    assert Certificate.objects.filter(caregiver=trainees.a).count() == 1


@pytest.mark.parametrize(
    ("attended", "score", "code"),
    [(False, None, "not_attended"), (True, "59.5", "not_passed"), (True, None, "not_passed")],
)
def test_issue_is_refused_for_who_did_not_attend_or_pass(
    users, held, trainees, attended, score, code
):
    a = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    _roll(users, held, (a.pk, attended, score))
    with pytest.raises(ValidationFailed) as e:
        services.certificate_issue(actor=users.bureau_admin, enrolment_id=a.pk)
    assert e.value.code == code and "不能发证" in e.value.message
    assert not Certificate.objects.filter(caregiver=trainees.a).exists()
    assert not Enrolment.objects.get(pk=a.pk).certificate_number


def test_no_certificate_before_the_session_ends(users, course, trainees):
    today = clock.today()
    running = services.session_create(
        actor=users.bureau_admin,
        course_id=course.pk,
        data=services.SessionInput(
            starts_on=today, ends_on=today + dt.timedelta(days=2), place="某地", capacity=5
        ),
    )
    a = services.enrol(actor=users.bureau_admin, session_id=running.pk, caregiver_id=trainees.a.pk)
    _roll(users, running, (a.pk, True, "99"))
    with pytest.raises(ValidationFailed) as e:
        services.certificates_issue(actor=users.bureau_admin, session_id=running.pk)
    assert e.value.code == "session_not_finished"


def test_roll_refuses_bad_rows_and_writes_nothing(users, held, trainees):
    a = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    b = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.b.pk)
    with pytest.raises(ValidationFailed) as e:
        _roll(users, held, (a.pk, True, "80"), (b.pk, False, "70"))
    assert e.value.code == "score_without_attendance"
    with pytest.raises(ValidationFailed) as e:
        _roll(users, held, (a.pk, True, "101"))
    assert e.value.code == "score_invalid"
    assert not Enrolment.objects.filter(attended=True).exists()


def test_roll_is_locked_once_issued(users, held, trainees):
    a = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    _roll(users, held, (a.pk, True, "80"))
    services.certificate_issue(actor=users.bureau_admin, enrolment_id=a.pk)
    with pytest.raises(ValidationFailed) as e:
        _roll(users, held, (a.pk, True, "40"))
    assert e.value.code == "certificate_already_issued"
    with pytest.raises(Conflict):
        services.withdraw(actor=users.care_admin, enrolment_id=a.pk)


def test_enrolment_checks_audience_capacity_and_repeats(users, course, held, trainees, institution):
    first = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    again = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    assert first.pk == again.pk
    family_course = services.course_create(
        actor=users.bureau_admin,
        data=services.CourseInput(name="亲情护理培训", audience="family", hours="8"),
    )
    today = clock.today()
    small = services.session_create(
        actor=users.bureau_admin,
        course_id=family_course.pk,
        data=services.SessionInput(starts_on=today, ends_on=today, place="社区", capacity=1),
    )
    with pytest.raises(ValidationFailed) as e:
        services.enrol(actor=users.care_admin, session_id=small.pk, caregiver_id=trainees.a.pk)
    assert e.value.code == "audience_mismatch"
    full = services.session_create(
        actor=users.bureau_admin,
        course_id=held.course_id,
        data=services.SessionInput(starts_on=today, ends_on=today, place="社区", capacity=1),
    )
    services.enrol(actor=users.care_admin, session_id=full.pk, caregiver_id=trainees.a.pk)
    with pytest.raises(Conflict) as e:
        services.enrol(actor=users.care_admin, session_id=full.pk, caregiver_id=trainees.b.pk)
    assert e.value.code == "session_full"


def test_course_and_session_validation(users):
    with pytest.raises(ValidationFailed) as e:
        services.course_create(
            actor=users.bureau_admin,
            data=services.CourseInput(
                name="", audience="x", hours="0", certificate_kind="care_worker"
            ),
        )
    assert set(e.value.fields) == {"name", "audience", "hours", "validity_months"}
    with pytest.raises(PermissionDenied):
        services.course_create(
            actor=users.care_admin, data=services.CourseInput(name="x", audience="caregiver")
        )


def test_institution_admin_manages_only_its_own_staff(users, held, trainees, other):
    with pytest.raises(NotFound):
        services.enrol(
            actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.outsider.pk
        )
    mine = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    theirs = services.enrol(
        actor=other.admin, session_id=held.pk, caregiver_id=trainees.outsider.pk
    )
    assert [e.pk for e in selectors.roll(users.care_admin, held.pk)] == [mine.pk]
    assert [e.pk for e in selectors.roll(other.admin, held.pk)] == [theirs.pk]
    assert {e.pk for e in selectors.roll(users.bureau_admin, held.pk)} == {mine.pk, theirs.pk}
    with pytest.raises(NotFound):
        services.withdraw(actor=users.care_admin, enrolment_id=theirs.pk)
    with pytest.raises(PermissionDenied):
        services.roll_record(actor=users.care_admin, session_id=held.pk, rows=[])


def test_outsiders_see_nothing(users, held, trainees):
    services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    for outsider in (users.applicant, users.caregiver, users.assessor, users.worker_a):
        assert not selectors.courses(outsider).exists()
        assert not selectors.sessions(outsider).exists()
        assert not selectors.roll(outsider, held.pk).exists()
        with pytest.raises(NotFound):
            selectors.session(outsider, held.pk)
    assert selectors.roll(users.regulator, held.pk).count() == 1


def test_subsidy_is_posted_to_the_fund_once(users, held, trainees):
    a = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    b = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.b.pk)
    _roll(users, held, (a.pk, True, "75"), (b.pk, True, "30"))
    session = services.subsidy_record(
        actor=users.bureau_admin, session_id=held.pk, amount_per_pass_fen=50000
    )
    entry = Entry.objects.get(source_type="training.session", source_id=str(held.pk))
    assert session.subsidy_entry == entry and session.subsidy_people == 1
    assert sorted((p.account, p.debit_fen, p.credit_fen) for p in entry.postings.all()) == [
        ("bank", 0, 50000),
        ("fee", 50000, 0),
    ]
    assert "培训补贴" in entry.memo
    services.subsidy_record(actor=users.bureau_admin, session_id=held.pk, amount_per_pass_fen=50000)
    assert Entry.objects.filter(source_type="training.session").count() == 1
    with pytest.raises(Conflict) as e:
        services.subsidy_record(
            actor=users.bureau_admin, session_id=held.pk, amount_per_pass_fen=60000
        )
    assert e.value.code == "subsidy_changed"


def test_subsidy_refusals(users, held, trainees):
    with pytest.raises(ValidationFailed) as e:
        services.subsidy_record(actor=users.bureau_admin, session_id=held.pk, amount_per_pass_fen=0)
    assert e.value.code == "subsidy_invalid"
    with pytest.raises(ValidationFailed) as e:
        services.subsidy_record(
            actor=users.bureau_admin, session_id=held.pk, amount_per_pass_fen=100
        )
    assert e.value.code == "nobody_passed"
    assert not Entry.objects.exists()


def test_family_caregiver_gets_a_family_training_certificate(users, institution, people):
    fam = make_caregiver(
        institution, kind="family", certificate=None, beneficiary=people.jinjiang, name="周建国"
    )
    course = services.course_create(
        actor=users.bureau_admin,
        data=services.CourseInput(
            name="亲情护理员技能培训",
            audience="family",
            hours="16",
            certificate_kind="family_training",
            validity_months=24,
            organizer_id=institution.organization_id,
        ),
    )
    today = clock.today()
    session = services.session_create(
        actor=users.bureau_admin,
        course_id=course.pk,
        data=services.SessionInput(
            starts_on=today - dt.timedelta(days=3),
            ends_on=today - dt.timedelta(days=1),
            place="锦江康养护理院",
            capacity=10,
        ),
    )
    e = services.enrol(actor=users.care_admin, session_id=session.pk, caregiver_id=fam.pk)
    _roll(users, session, (e.pk, True, "88"))
    services.certificate_issue(actor=users.bureau_admin, enrolment_id=e.pk)
    cert = fam.certificates.get()
    assert cert.kind == "family_training" and cert.issuer == "锦江康养护理院"
    assert cert.valid_on(today)
