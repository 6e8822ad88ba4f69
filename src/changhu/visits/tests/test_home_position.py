"""以本次签到位置为住址坐标: the care admin takes a confirmed visit's check-in position as the
home's coordinates; audited, confirmed in the page, scoped, refused cleanly when it does not
qualify."""

import datetime as dt
from decimal import Decimal

import pytest

from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.insured.models import Person
from changhu.visits import home_position
from tests.factories import make_visit

pytestmark = pytest.mark.django_db
SPOT = (30.662345, 104.071234)


@pytest.fixture
def unplaced(home):
    """张建国's home has an address but no coordinates."""
    Person.objects.filter(pk=home.person.pk).update(latitude=None, longitude=None)
    home.person.refresh_from_db()
    return home


def visit_of(home, **options):
    start = clock.now() - dt.timedelta(hours=3)
    options.setdefault("position", SPOT)
    return make_visit(caregiver=home.caregiver, person=home.person, start=start, **options)


def test_admin_takes_the_position_from_the_visit_page(client, users, unplaced):
    visit = visit_of(unplaced)
    client.force_login(users.care_admin)
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "以本次签到位置为住址坐标" in page and "data-confirm=" in page
    assert "今后的签到将按此位置判定距离" in page
    queue = client.get("/visits/home-positions/").content.decode()
    assert unplaced.person.name in queue
    response = client.post(f"/visits/{visit.pk}/home-position/")
    assert response.status_code == 302
    person = Person.objects.get(pk=unplaced.person.pk)
    assert (person.latitude, person.longitude) == (Decimal("30.662345"), Decimal("104.071234"))
    entry = AuditEntry.objects.filter(object_type="insured.person", object_id=str(person.pk))
    entry = entry.latest("id")
    assert entry.actor == users.care_admin and "签到位置" in entry.note
    assert set(entry.changes) == {"latitude", "longitude"}
    # Once set, the offer is gone and a second take is refused.
    assert "以本次签到位置为住址坐标" not in client.get(f"/visits/{visit.pk}/").content.decode()
    again = client.post(f"/visits/{visit.pk}/home-position/")
    assert again.status_code == 409 and "已有经纬度" in again.content.decode()
    assert unplaced.person.name not in client.get("/visits/home-positions/").content.decode()


@pytest.mark.parametrize(
    ("options", "code", "words"),
    [
        ({"status": "in_progress"}, "visit_not_completed", "尚未完成签退"),
        ({"accuracy_m": 500.0}, "fix_too_coarse", "定位精度"),
        ({"out_position": (30.70, 104.10)}, "positions_disagree", "相距"),
    ],
)
def test_a_visit_that_does_not_qualify_is_refused_and_changes_nothing(
    client, users, unplaced, options, code, words
):
    visit = visit_of(unplaced, **options)
    offer = home_position.offer(visit)
    assert not offer.allowed and offer.code == code and words in offer.reason
    client.force_login(users.care_admin)
    assert words in client.get(f"/visits/{visit.pk}/").content.decode()
    response = client.post(f"/visits/{visit.pk}/home-position/")
    assert response.status_code == 409 and words in response.content.decode()
    assert Person.objects.get(pk=unplaced.person.pk).latitude is None


def test_an_unconfirmed_visit_is_refused(users, unplaced):
    visit = visit_of(unplaced)
    visit.confirmation_method = ""
    visit.save()
    assert home_position.offer(visit).code == "visit_not_confirmed"


def test_outsiders_cannot_take_or_see(client, users, unplaced, other):
    visit = visit_of(unplaced)
    # Another institution's admin: the visit is not theirs (404), nothing written.
    client.force_login(other.admin)
    assert client.post(f"/visits/{visit.pk}/home-position/").status_code == 404
    assert unplaced.person.name not in client.get("/visits/home-positions/").content.decode()
    # Supervisors see the visit but do not take positions; caregivers neither.
    for user in (users.supervisor_a, users.caregiver):
        client.force_login(user)
        assert client.post(f"/visits/{visit.pk}/home-position/").status_code in (403, 404)
    client.force_login(users.supervisor_a)
    assert "以本次签到位置为住址坐标" not in client.get(f"/visits/{visit.pk}/").content.decode()
    assert Person.objects.get(pk=unplaced.person.pk).latitude is None


def test_the_queue_counts_homes_on_the_dashboard(client, users, unplaced):
    visit_of(unplaced)
    visit_of(unplaced, position=(30.6624, 104.0713))  # the newest visit per person is listed
    assert home_position.persons_awaiting(fetched_by=users.care_admin).count() == 1
    client.force_login(users.care_admin)
    home = client.get("/").content.decode()
    assert "待采用住址坐标" in home
