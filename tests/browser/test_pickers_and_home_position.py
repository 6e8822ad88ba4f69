"""A nursing home's admin registers an admission by typing part of a resident's name and choosing
from the list (no internal id anywhere), sees a refusal on the field for someone who is not a
resident, and places a home from a confirmed visit after confirming what will happen."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from changhu.core import clock
from changhu.insured.models import Person
from changhu.providers.tests.fixtures import catalogue, institution  # noqa: F401
from changhu.visits.models import Stay
from changhu.visits.tests.fixtures import assign, link_caregiver, open_home_care, rules  # noqa: F401
from tests.factories import make_visit
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def residents(users, people, institution, catalogue, rules):  # noqa: F811
    """李秀英 in institutional care here; 张建国 in home care, his home without coordinates and
    one confirmed visit by 刘桂芳."""
    open_home_care(users, people.qingyang, institution, mode="institutional")
    open_home_care(users, people.jinjiang, institution)
    caregiver = link_caregiver(users.caregiver, institution)
    assign(caregiver, people.jinjiang, institution)
    Person.objects.filter(pk=people.jinjiang.pk).update(latitude=None, longitude=None)
    people.jinjiang.refresh_from_db()
    visit = make_visit(
        caregiver=caregiver,
        person=people.jinjiang,
        start=clock.now() - dt.timedelta(hours=3),
        position=(30.662345, 104.071234),
    )
    return people.qingyang, people.jinjiang, visit


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("care_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_admission_by_name_and_home_from_a_visit(live_server, page, residents, screenshot):
    resident, home_person, _visit = residents
    base = live_server.url
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    sign_in(page, base)
    page.get_by_role("link", name="床日登记", exact=True).click()
    form = page.get_by_test_id("admit-form")

    # Someone who is not a resident here: not listed, and refused on the field when submitted.
    box = form.get_by_role("combobox", name="入住人员")
    box.fill(home_person.name)
    expect(form.get_by_role("status")).to_contain_text("没有找到")
    with page.expect_navigation():
        form.get_by_role("button", name="登记入住").click()
    form = page.get_by_test_id("admit-form")
    expect(form.locator('[data-field-error="person"]')).to_contain_text("没有找到")
    expect(form.get_by_role("combobox", name="入住人员")).to_have_value(home_person.name)
    assert not Stay.objects.exists()

    # The resident, by part of the name, chosen from the list.
    box = form.get_by_role("combobox", name="入住人员")
    box.fill(resident.name[:2])
    option = form.get_by_role("option", name=resident.name)
    expect(option).to_contain_text(resident.id_number_masked)
    expect(option).to_contain_text(resident.insured_no)
    option.click()
    expect(box).to_have_value(f"{resident.name}（{resident.id_number_masked}）")
    with page.expect_navigation():
        form.get_by_role("button", name="登记入住").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记")
    assert Stay.objects.get().person_id == resident.pk
    expect(page.locator("main")).to_contain_text(f"{resident.name}（{resident.id_number_masked}）")
    expect(page.locator("main")).not_to_contain_text(f"（{resident.pk}）")
    screenshot(page, "bed_days_picker")

    # The home without coordinates, from the queue on the dashboard.
    page.goto(f"{base}/")
    page.get_by_role("link", name="待采用住址坐标").first.click()
    row = page.get_by_test_id("home-positions").locator("tr", has_text=home_person.name)
    with page.expect_navigation():
        row.get_by_role("button", name="以本次签到位置为住址坐标").click()
    assert questions and "今后的签到将按此位置判定距离" in questions[-1]
    assert home_person.name in questions[-1]
    expect(page.locator(".alert-success")).to_contain_text(f"{home_person.name}的住址坐标")
    home_person.refresh_from_db()
    assert float(home_person.latitude) == pytest.approx(30.662345)
    expect(page.get_by_test_id("home-positions")).to_contain_text("没有待采用的住址坐标")
