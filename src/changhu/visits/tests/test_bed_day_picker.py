"""床日登记 chooses the resident with a search picker: name, 参保编号 or ID number among the
institution's own institutional-care beneficiaries; never an internal id, never an outsider."""

import datetime as dt

import pytest

from changhu.core import clock
from changhu.visits.models import Stay
from changhu.visits.tests.fixtures import open_home_care

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(users, people, institution, rules):
    open_home_care(users, people.qingyang, institution, mode="institutional")
    return people.qingyang


def admit(client, **data):
    day = (clock.today() - dt.timedelta(days=3)).isoformat()
    return client.post("/visits/bed-days/", {"action": "admit", "admitted_on": day, **data})


def test_search_lists_own_residents_masked_and_nobody_else(client, users, resident, people, other):
    client.force_login(users.care_admin)
    found = client.get("/pick/resident/", {"field": "person", "person_q": resident.name[:1]})
    html = found.content.decode()
    assert found.status_code == 200
    assert resident.name in html and resident.id_number_masked in html
    assert resident.insured_no in html and resident.id_number not in html
    # 张建国 is not in institutional care here, whatever is typed.
    for text in (people.jinjiang.name, people.jinjiang.insured_no, people.jinjiang.id_number):
        page = client.get("/pick/resident/", {"field": "person", "person_q": text})
        assert "data-pick-key" not in page.content.decode()
    # Another institution's admin finds nothing of ours.
    client.force_login(other.admin)
    for text in (resident.name, resident.insured_no, resident.id_number):
        page = client.get("/pick/resident/", {"field": "person", "person_q": text})
        assert "data-pick-key" not in page.content.decode()


def test_admit_by_typed_number_chosen_key_or_unique_name(client, users, resident):
    client.force_login(users.care_admin)
    response = admit(client, person_q=resident.insured_no.lower())
    assert response.status_code == 302
    stay = Stay.objects.get(person=resident)
    stay.delete()
    assert admit(client, person=str(resident.pk), person_q="随便").status_code == 302
    Stay.objects.all().delete()
    assert admit(client, person_q=resident.name).status_code == 302
    Stay.objects.all().delete()
    assert admit(client, person_q=resident.id_number).status_code == 302


def test_refusals_sit_on_the_field_keep_the_text_and_write_nothing(
    client, users, resident, people, other
):
    client.force_login(users.care_admin)
    empty = admit(client, person_q="")
    assert empty.status_code == 422 and "请选择机构照护对象" in empty.content.decode()
    # A home-care beneficiary, typed or posted by key, is refused like an unknown one.
    typed = admit(client, person_q=people.jinjiang.insured_no)
    html = typed.content.decode()
    assert typed.status_code == 422 and "没有找到" in html
    assert f'value="{people.jinjiang.insured_no}"' in html  # the box keeps what was typed
    assert admit(client, person=str(people.jinjiang.pk)).status_code == 422
    assert admit(client, person="abc").status_code == 422
    assert not Stay.objects.exists()
    # Another institution's admin cannot admit our resident by any means.
    client.force_login(other.admin)
    for data in ({"person": str(resident.pk)}, {"person_q": resident.insured_no}):
        assert admit(client, **data).status_code in (403, 422)
    assert not Stay.objects.exists()


def test_same_name_asks_to_choose(client, users, resident, institution, city):
    from tests.factories import make_person

    twin = make_person(city.streets["510104001000"], name=resident.name)
    open_home_care(users, twin, institution, mode="institutional")
    client.force_login(users.care_admin)
    response = admit(client, person_q=resident.name)
    assert response.status_code == 422
    assert "有2位名为" in response.content.decode()
    assert not Stay.objects.exists()


def test_page_shows_no_internal_ids(client, users, resident):
    from changhu.visits import services

    services.stay_admit(
        actor=users.care_admin,
        person_id=resident.pk,
        admitted_on=clock.today() - dt.timedelta(days=2),
    )
    client.force_login(users.care_admin)
    html = client.get("/visits/bed-days/").content.decode()
    assert f"（{resident.pk}）" not in html and resident.id_number_masked in html
    assert "参保人编号" not in html


def test_unknown_picker_is_404_and_anonymous_signs_in(client, users):
    assert client.get("/pick/resident/?field=person&person_q=李").status_code == 302
    client.force_login(users.care_admin)
    assert client.get("/pick/nothing/?field=person&person_q=李").status_code == 404
