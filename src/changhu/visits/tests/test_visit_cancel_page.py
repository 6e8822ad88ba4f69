"""取消本次服务 on the staff visit page: the institution's admin cancels a visit left open."""

import datetime as dt

import pytest

from changhu.core import clock
from tests.factories import make_visit

pytestmark = pytest.mark.django_db


def test_the_institution_cancels_a_visit_left_open(client, users, home, other):
    """取消本次服务 on the staff visit page: the institution's admin, with a reason, never paid."""
    visit = make_visit(
        caregiver=home.caregiver,
        person=home.person,
        start=clock.now() - dt.timedelta(hours=5),
        status="in_progress",
    )
    client.force_login(users.supervisor_a)  # supervisors see it but resolve findings instead
    assert 'data-testid="cancel-visit"' not in client.get(f"/visits/{visit.pk}/").content.decode()
    client.force_login(other.admin)
    assert client.post(f"/visits/{visit.pk}/cancel/", {"reason": "x"}).status_code == 404
    client.force_login(users.care_admin)
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-testid="cancel-visit"' in page and "取消后不予结算，且不能恢复" in page
    refused = client.post(f"/visits/{visit.pk}/cancel/", {"reason": " "}, follow=True)
    assert "请填写取消原因" in refused.content.decode()
    visit.refresh_from_db()
    assert visit.status == "in_progress"
    done = client.post(f"/visits/{visit.pk}/cancel/", {"reason": "护理员忘记签退"}, follow=True)
    assert "已取消该服务记录" in done.content.decode()
    visit.refresh_from_db()
    assert visit.status == "cancelled" and not visit.payable
    assert visit.cancel_reason == "护理员忘记签退"
    again = client.post(f"/visits/{visit.pk}/cancel/", {"reason": "再次"})
    assert again.status_code == 409
