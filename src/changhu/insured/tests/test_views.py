"""The register's staff pages: scope on every page, inline errors, reveal and audit."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.insured import services
from changhu.insured.models import LifeEvent, Person, PersonStatus
from tests.factories import make_person, person_input, valid_id_number

pytestmark = pytest.mark.django_db


def detail_url(person):
    return reverse("insured:person_detail", args=[person.pk])


def listed_names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="fw-semibold">([^<]+)</a>', html)


def field_errors(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'data-field-error="([^"]+)">([^<]+)<', html))


def person_post(region_code, **overrides):
    return {
        "name": "陈志强",
        "id_number": valid_id_number("510104"),
        "phone": "13812345678",
        "address": "锦江区督院街街道红星路二段88号",
        "district": region_code[:6],
        "region_code": region_code,
        "latitude": "30.657000",
        "longitude": "104.066000",
        "insurance_type": "resident",
        "enrolment_start": "2021-03-01",
        "special_groups": ["dibao"],
        **overrides,
    }


# --- list ---------------------------------------------------------------------------------


def test_list_shows_scope_with_special_groups_first(client, users, people):
    client.force_login(users.worker_a)
    response = client.get(reverse("insured:person_list"))
    assert response.status_code == 200
    assert listed_names(response) == ["张建国", "李秀英"]
    html = response.content.decode()
    assert people.jinjiang.id_number_masked in html
    assert people.jinjiang.id_number not in html
    assert "特困人员" in html


def test_outsiders_do_not_see_the_row(client, users, people):
    client.force_login(users.worker_b)
    assert listed_names(client.get(reverse("insured:person_list"))) == ["王淑芬"]
    # Searching for the Jinjiang person's own number finds nothing either.
    response = client.get(reverse("insured:person_list"), {"q": people.jinjiang.id_number})
    assert listed_names(response) == []
    client.force_login(users.assessor)
    response = client.get(reverse("insured:person_list"))
    assert response.status_code == 403
    assert people.jinjiang.id_number_masked not in response.content.decode()


def test_search_by_full_id_number_and_name_prefix(client, users, people, city):
    make_person(city.streets["510104002000"], name="张丽华")
    client.force_login(users.worker_a)
    url = reverse("insured:person_list")
    assert listed_names(client.get(url, {"q": people.jinjiang.id_number})) == ["张建国"]
    assert listed_names(client.get(url, {"q": people.jinjiang.id_number.lower()})) == ["张建国"]
    assert listed_names(client.get(url, {"q": "张"})) == ["张建国", "张丽华"]
    assert listed_names(client.get(url, {"q": "建国"})) == []


def test_filters(client, users, people, city):
    make_person(
        city.streets["510105002000"],
        name="刘桂英",
        insurance_type="employee",
        special_groups=["zhongcan"],
    )
    Person.objects.filter(pk=people.qingyang.pk).update(
        status=PersonStatus.SUSPENDED, insurance_type="resident"
    )
    client.force_login(users.worker_a)
    url = reverse("insured:person_list")
    assert listed_names(client.get(url, {"district": "510105"})) == ["刘桂英", "李秀英"]
    assert listed_names(client.get(url, {"status": "suspended"})) == ["李秀英"]
    assert listed_names(client.get(url, {"special_group": "any"})) == ["刘桂英", "张建国"]
    assert listed_names(client.get(url, {"special_group": "tekun"})) == ["张建国"]
    assert "刘桂英" in listed_names(client.get(url, {"insurance_type": "employee"}))
    # A district outside the scope is not offered and filters to nothing.
    html = client.get(url).content.decode()
    assert "锦江区" in html and "武侯区" not in html
    assert listed_names(client.get(url, {"district": "510107"})) == []


def test_list_paginates_twenty_per_page(client, users, city):
    for i in range(23):
        make_person(city.streets["510104001000"], name=f"测试{chr(0x4E00 + i)}")
    client.force_login(users.worker_a)
    first = client.get(reverse("insured:person_list"))
    second = client.get(reverse("insured:person_list"), {"page": 2})
    assert len(listed_names(first)) == 20
    assert len(listed_names(second)) == 3
    assert "第 2 / 2 页" in second.content.decode()


def test_list_query_count_does_not_grow_with_rows(
    client, users, city, django_assert_max_num_queries
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("insured:person_list")).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(users.worker_a)
    make_person(city.streets["510104001000"], special_groups=["tekun"])
    few = count_queries()
    for i in range(24):
        make_person(city.streets[f"51010{4 + (i % 2)}001000"], special_groups=["dibao"])
    assert count_queries() == few
    with django_assert_max_num_queries(8):
        client.get(reverse("insured:person_list"), {"special_group": "any", "page": 2})


# --- detail, edit, audit: outsiders get 404 -------------------------------------------------


@pytest.mark.parametrize("page", ["person_detail", "person_edit", "person_audit"])
@pytest.mark.parametrize("outsider", ["worker_b", "assessor", "care_admin", "applicant"])
def test_outsider_gets_404(client, users, people, page, outsider):
    client.force_login(getattr(users, outsider))
    response = client.get(reverse(f"insured:{page}", args=[people.jinjiang.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "记录不存在或无权查看" in html
    # Nothing of the person leaks (user names are random, so check the person's own values).
    assert people.jinjiang.insured_no not in html
    assert people.jinjiang.id_number_masked not in html


def test_unknown_person_is_404(client, users):
    client.force_login(users.bureau_admin)
    assert client.get(reverse("insured:person_detail", args=[999999])).status_code == 404


def test_detail_is_masked_and_offers_reveal_only_with_the_right(client, users, people):
    client.force_login(users.worker_a)
    response = client.get(detail_url(people.jinjiang))
    html = response.content.decode()
    assert response.status_code == 200
    assert people.jinjiang.id_number_masked in html
    assert people.jinjiang.phone_masked in html
    assert people.jinjiang.address_masked in html
    for clear in (people.jinjiang.id_number, people.jinjiang.phone, people.jinjiang.address):
        assert clear not in html
    assert "查看完整证件号" in html
    assert reverse("insured:person_audit", args=[people.jinjiang.pk]) not in html

    client.force_login(users.regulator)
    html = client.get(detail_url(people.jinjiang)).content.decode()
    assert "查看完整证件号" not in html
    assert reverse("insured:person_audit", args=[people.jinjiang.pk]) in html
    assert reverse("insured:person_edit", args=[people.jinjiang.pk]) not in html


# --- create and edit ------------------------------------------------------------------------


def test_create_registers_and_audits(client, users, city):
    client.force_login(users.worker_a)
    data = person_post("510104001000")
    response = client.post(reverse("insured:person_create"), data)
    person = Person.objects.get(name="陈志强")
    assert response.status_code == 302 and response.url == detail_url(person)
    assert person.id_number == data["id_number"]
    assert person.special_group_codes == ["dibao"]
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="create").count() == 1


def test_create_with_bad_id_number_shows_error_inline_and_writes_nothing(client, users, city):
    client.force_login(users.worker_a)
    valid = valid_id_number("510104")
    wrong_check_digit = valid[:17] + ("1" if valid[17] == "0" else "0")
    data = person_post("510104001000", id_number=wrong_check_digit)
    persons, audits = Person.objects.count(), AuditEntry.objects.count()
    response = client.post(reverse("insured:person_create"), data)
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors.get("id_number") == "身份证号码校验位错误，请核对最后一位"
    assert Person.objects.count() == persons and AuditEntry.objects.count() == audits
    # The form keeps what was typed.
    assert 'value="陈志强"' in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("name", "陈志\n强", "不能换行"), ("address", "督院街\r\n18号", "不能换行")],
)
def test_one_line_fields_take_no_line_breaks(client, users, city, field, value, message):
    client.force_login(users.worker_a)
    persons = Person.objects.count()
    response = client.post(
        reverse("insured:person_create"), person_post("510104001000", **{field: value})
    )
    assert response.status_code == 422
    assert field_errors(response).get(field) == message
    assert Person.objects.count() == persons


@pytest.mark.parametrize(
    "value", ["陈志\x00强", "陈\u202e志强", "\ufeff陈志强", "陈志\x1b强", "陈志\x85强"]
)
def test_a_form_with_invisible_control_characters_is_refused_whole(client, users, city, value):
    client.force_login(users.worker_a)
    persons, audits = Person.objects.count(), AuditEntry.objects.count()
    response = client.post(
        reverse("insured:person_create"), person_post("510104001000", name=value)
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "系统未做任何修改" in html and "不可见字符" in html
    assert Person.objects.count() == persons and AuditEntry.objects.count() == audits


def test_create_reports_every_bad_field(client, users, city):
    client.force_login(users.worker_a)
    data = person_post(
        "", id_number="51010419", phone="12345", latitude="95", insurance_type="", district=""
    )
    response = client.post(reverse("insured:person_create"), data)
    errors = field_errors(response)
    assert response.status_code == 422
    assert errors["id_number"] == "身份证号码应为18位，当前为8位"
    assert errors["phone"].startswith("电话号码格式不正确")
    # No district chosen: the error sits on 区县, not on the optional 街道.
    assert errors["district"] == "请选择所属街道或区县"
    assert "region_code" not in errors
    assert errors["latitude"].startswith("纬度应在")
    assert errors["insurance_type"] == "请选择参保类型"
    assert Person.objects.count() == 0


def test_create_refuses_duplicates_and_regions_outside_scope(client, users, people, city):
    client.force_login(users.worker_a)
    duplicate = person_post("510104001000", id_number=people.jinjiang.id_number)
    response = client.post(reverse("insured:person_create"), duplicate)
    assert response.status_code == 409
    assert field_errors(response)["id_number"] == "该身份证号码已登记参保"
    elsewhere = person_post("510107001000")
    response = client.post(reverse("insured:person_create"), elsewhere)
    assert field_errors(response)["region_code"] == "所选地区不在您的数据范围内"
    assert Person.objects.count() == 3


def test_create_needs_the_right(client, users):
    client.force_login(users.regulator)
    assert client.get(reverse("insured:person_create")).status_code == 403


def test_edit_saves_and_keeps_blank_phone(client, users, people):
    person = people.jinjiang
    phone = person.phone
    client.force_login(users.worker_a)
    form = client.get(reverse("insured:person_edit", args=[person.pk]))
    assert form.status_code == 200
    assert phone not in form.content.decode()
    data = person_post(
        "510104002000",
        name="张建军",
        phone="",
        address="",
        id_number="",
        special_groups=["tekun"],
        version=person.version,
    )
    response = client.post(reverse("insured:person_edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "张建军" and person.region_code == "510104002000"
    assert person.phone == phone
    assert person.version == 2


def test_edit_with_stale_version_is_refused(client, users, people, city):
    person = people.jinjiang
    client.force_login(users.worker_a)
    data = person_post("510104001000", name="张建军", id_number="", version=person.version)
    # Someone else saves first.
    services.person_update(
        actor=users.supervisor_a,
        person_id=person.pk,
        data=person_input(city.streets["510104001000"], name="张建民", id_number=""),
    )
    response = client.post(reverse("insured:person_edit", args=[person.pk]), data)
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in response.content.decode()
    person.refresh_from_db()
    assert person.name == "张建民"


def test_edit_needs_the_right_inside_scope(client, users, people):
    client.force_login(users.regulator)
    assert client.get(reverse("insured:person_edit", args=[people.jinjiang.pk])).status_code == 403


# --- reveal and audit -----------------------------------------------------------------------


def test_reveal_shows_full_number_and_writes_audit(client, users, people):
    client.force_login(users.worker_a)
    url = reverse("insured:person_reveal", args=[people.jinjiang.pk])
    response = client.post(url, {"field": "id_number"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert people.jinjiang.id_number in response.content.decode()
    assert response.headers["Cache-Control"].startswith("max-age=0")
    entry = AuditEntry.objects.get(object_id=str(people.jinjiang.pk), action="view_full")
    assert entry.actor == users.worker_a and entry.channel == "web"
    assert entry.changes == {"id_number": "身份证号码"}


def test_reveal_refused_without_the_right(client, users, people):
    client.force_login(users.regulator)
    url = reverse("insured:person_reveal", args=[people.jinjiang.pk])
    response = client.post(url, {"field": "id_number"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert people.jinjiang.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action="view_full").exists()


def test_reveal_outside_scope_is_404_and_get_is_refused(client, users, people):
    client.force_login(users.worker_b)
    url = reverse("insured:person_reveal", args=[people.jinjiang.pk])
    assert client.post(url, {"field": "id_number"}).status_code == 404
    client.force_login(users.worker_a)
    assert client.get(url).status_code == 405
    assert not AuditEntry.objects.filter(action="view_full").exists()


def test_audit_trail_lists_masked_changes(client, users, people):
    person = people.jinjiang
    old_phone = person.phone
    client.force_login(users.worker_a)
    client.post(
        reverse("insured:person_edit", args=[person.pk]),
        person_post(
            "510104001000",
            phone="13900001111",
            id_number="",
            version=person.version,
            special_groups=["tekun"],
            name=person.name,
        ),
    )
    client.post(reverse("insured:person_reveal", args=[person.pk]), {"field": "phone"})
    client.force_login(users.supervisor_a)
    response = client.get(reverse("insured:person_audit", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "139****1111" in html and "13900001111" not in html and old_phone not in html
    assert "查看了完整的<strong>联系电话</strong>" in html
    assert users.worker_a.display_name in html and "网页" in html and "127.0.0.1" in html


def test_audit_trail_needs_the_right(client, users, people):
    client.force_login(users.worker_a)
    assert client.get(reverse("insured:person_audit", args=[people.jinjiang.pk])).status_code == 403


# --- life events ----------------------------------------------------------------------------


def test_record_and_close_a_hospital_stay(client, users, people):
    person = people.jinjiang
    client.force_login(users.worker_a)
    response = client.post(
        reverse("insured:life_event_create", args=[person.pk]),
        {"kind": "hospital_stay", "start_date": "2025-03-01", "institution": "四川省人民医院"},
    )
    assert response.status_code == 302
    event = LifeEvent.objects.get(person=person)
    assert event.end_date is None and event.recorded_by == users.worker_a
    html = client.get(detail_url(person)).content.decode()
    assert "住院中" in html and "四川省人民医院" in html

    bad = client.post(
        reverse("insured:hospital_stay_close", args=[event.pk]), {"end_date": "2025-02-01"}
    )
    assert bad.status_code == 422
    assert field_errors(bad)["end_date"] == "出院日期无效或早于入院日期"
    good = client.post(
        reverse("insured:hospital_stay_close", args=[event.pk]), {"end_date": "2025-03-20"}
    )
    assert good.status_code == 302
    event.refresh_from_db()
    assert str(event.end_date) == "2025-03-20"


def test_life_event_errors_are_inline_and_write_nothing(client, users, people):
    client.force_login(users.worker_a)
    tomorrow = clock.today() + dt.timedelta(days=1)
    response = client.post(
        reverse("insured:life_event_create", args=[people.jinjiang.pk]),
        {"kind": "death", "start_date": tomorrow.isoformat()},
    )
    assert response.status_code == 422
    assert field_errors(response)["start_date"] == "日期不能晚于今天"
    assert not LifeEvent.objects.exists()
    people.jinjiang.refresh_from_db()
    assert people.jinjiang.status == PersonStatus.ACTIVE


def test_life_events_are_scoped(client, users, people):
    for person in (people.jinjiang, people.wuhou):
        services.person_record_life_event(
            actor=users.bureau_admin,
            person_id=person.pk,
            data=services.LifeEventInput(kind="hospital_stay", start_date="2025-01-01"),
        )
    client.force_login(users.worker_b)
    response = client.get(reverse("insured:life_event_list"))
    assert listed_names(response) == ["王淑芬"]
    jinjiang_stay = LifeEvent.objects.get(person=people.jinjiang)
    close = client.post(
        reverse("insured:hospital_stay_close", args=[jinjiang_stay.pk]), {"end_date": "2025-01-10"}
    )
    assert close.status_code == 404
    create = client.post(
        reverse("insured:life_event_create", args=[people.jinjiang.pk]),
        {"kind": "death", "start_date": "2025-01-02"},
    )
    assert create.status_code == 404
    assert LifeEvent.objects.count() == 2
    client.force_login(users.regulator)
    assert client.get(reverse("insured:life_event_list")).status_code == 403


def test_street_options_follow_the_district_and_scope(client, users, city):
    client.force_login(users.worker_a)
    url = reverse("insured:street_options")
    html = client.get(url, {"district": "510104"}, headers={"HX-Request": "true"}).content.decode()
    assert "督院街街道" in html and "盐市口街道" in html and "太升路街道" not in html
    assert "浆洗街街道" not in client.get(url, {"district": "510107"}).content.decode()


def test_reveal_of_an_unknown_field_is_a_422_not_a_500(client, users, people):
    client.force_login(users.worker_a)
    url = reverse("insured:person_reveal", args=[people.jinjiang.pk])
    response = client.post(url, {"field": "salary"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'data-ch-error="reveal_fields"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="view_full").exists()


def test_recording_a_second_death_is_refused_inline(client, users, people):
    person = people.jinjiang
    client.force_login(users.worker_a)
    url = reverse("insured:life_event_create", args=[person.pk])
    assert client.post(url, {"kind": "death", "start_date": "2025-06-01"}).status_code == 302
    again = client.post(url, {"kind": "death", "start_date": "2025-06-02"})
    assert again.status_code == 409
    assert "该参保人已登记身故" in again.content.decode()
    assert LifeEvent.objects.filter(person=person).count() == 1
