"""The supervision demo: one inspection planned, one finished with notices in every state."""

import pytest

from changhu.orgs.models import User
from changhu.supervision import demo, selectors
from changhu.supervision.models import Appeal, InspectionTask, Rectification
from tests.clock import on
from tests.demo import seed_city_with_care


def _seeded():
    seed_city_with_care(persons=60, care_persons=20)
    return demo.seed_supervision_demo()


# A Sunday night, a holiday and an ordinary Wednesday morning: the demo does not care.
@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2026-10-04", "2027-02-17", "2026-12-09"])
def test_seed_supervision_demo_on_any_day(day):
    import datetime as dt

    with on(dt.date.fromisoformat(day), hour=23):
        report = _seeded()
        statuses = {t.status for t in InspectionTask.objects.all()}
        assert statuses == {"planned", "completed"}, report
        careadmin = User.objects.get(username="careadmin")
        notices = selectors.rectification_list(fetched_by=careadmin)
        by_status = sorted(notices.values_list("status", flat=True))
        assert by_status == ["accepted", "escalated", "pending", "pending"], report
        assert selectors.awaiting_answer_overdue(careadmin) == 1
        assert Appeal.objects.filter(status="pending").count() == 1
        supervisor = User.objects.get(username="supervisor")
        assert selectors.pending_appeals_count(supervisor) == 1
        assert selectors.targets_to_inspect_count(User.objects.get(username="caseworker")) >= 1
        counts = (InspectionTask.objects.count(), Rectification.objects.count())
        demo.seed_supervision_demo()
        assert (InspectionTask.objects.count(), Rectification.objects.count()) == counts
