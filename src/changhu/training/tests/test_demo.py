import pytest

from changhu.providers.models import Certificate
from changhu.training.demo import seed_training_demo
from changhu.training.models import Enrolment, Session

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_session_with_certificates_and_seeds_once(users, held, trainees):
    # ``held`` is the fixture's own session; the demo adds its own course and sessions.
    report = seed_training_demo()
    demo_held = Session.objects.exclude(pk=held.pk).order_by("starts_on").first()
    roll = Enrolment.objects.filter(session=demo_held)
    assert roll.filter(attended=True).exists()
    issued = roll.exclude(certificate_number="")
    assert issued.exists()
    assert all(Certificate.objects.filter(pk=e.certificate_id).exists() for e in issued)
    assert "发证" in report.lines()[0]
    sessions = Session.objects.count()
    assert seed_training_demo().lines() == ["培训演示数据已存在"]
    assert Session.objects.count() == sessions
